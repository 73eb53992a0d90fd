import { errors } from "../errors.js";
import type { DataType, Fields, Infer } from "../schema/types.js";
import { converterFor, INVALID } from "../schema/validate-value.js";
import type { ReadLimit, Source } from "./source.js";

/**
 * Spark's `MemoryStream`: a source fed by hand with `addData`, for tests and examples. Offsets count
 * rows; rows are validated against the schema as they are added (timestamps may be given as ISO strings).
 *
 * @example
 * const input = new MemoryStream(struct({ value: long() }));
 * input.addData({ value: 1 }, { value: 2 });
 */
export class MemoryStream<S extends DataType<unknown> & { fields: Fields }> implements Source<Infer<S> & object, number> {
  readonly description: string;
  readonly identity: string;
  readonly fields: Fields;
  private readonly rows: (Infer<S> & object)[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly convert: ((v: unknown) => unknown)[];
  private readonly names: string[];
  private static counter = 0;

  constructor(
    readonly schema: S,
    options: { name?: string } = {},
  ) {
    this.fields = schema.fields;
    this.names = Object.keys(schema.fields);
    this.convert = this.names.map((n) => converterFor(schema.fields[n]!));
    this.description = `MemoryStream[${options.name ?? MemoryStream.counter++}]`;
    this.identity = `MemoryStream[${options.name ?? ""}]${schema}`;
  }

  /** Appends rows; returns the offset after them. Accepts rows as arguments or as one array. */
  addData(...rows: (Infer<S> | readonly Infer<S>[])[]): number {
    const flat = (rows.length === 1 && Array.isArray(rows[0]) ? rows[0] : rows) as Record<string, unknown>[];
    const checked: (Infer<S> & object)[] = [];
    for (const row of flat) checked.push(this.check(row));
    for (const row of checked) this.rows.push(row);
    for (const listener of this.listeners) listener();
    return this.latest();
  }

  initialOffset(): number {
    return 0;
  }

  latestOffset(start: number, limit: ReadLimit): number {
    const latest = typeof limit.upTo === "number" ? Math.min(limit.upTo, this.latest()) : this.latest();
    return limit.maxRows === undefined ? latest : Math.min(latest, start + limit.maxRows);
  }

  getBatch(start: number, end: number): (Infer<S> & object)[] {
    if (!(start >= 0 && end <= this.rows.length && start <= end)) {
      throw errors.sourceFailed(this.description, "getBatch", new Error(`range (${start}, ${end}] is outside 0..${this.rows.length}`));
    }
    return this.rows.slice(start, end);
  }

  /** Rows are kept after commit, so several queries can read one MemoryStream (as in Spark). */
  commit(_end: number): void {}

  /** Nothing to release: each query unsubscribes its own listener. */
  stop(): void {}

  onDataAvailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private latest(): number {
    return this.rows.length;
  }

  private check(row: Record<string, unknown>): Infer<S> & object {
    if (row === null || typeof row !== "object") throw errors.badSchemaRow("(row)", row, this.schema.toString());
    const out: Record<string, unknown> = {};
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i]!;
      const v = this.convert[i]!(row[name]);
      if (v === INVALID) throw errors.badSchemaRow(name, row[name], this.schema.fields[name]!.toString());
      out[name] = v;
    }
    return out as Infer<S> & object;
  }
}
