import type { Row } from "../batch/micro-batch.js";
import { INPUTS } from "../batch/micro-batch.js";
import type { Offset, ReadLimit, Source } from "./source.js";
import { sameOffset } from "./source.js";

/** One input of a query with several, and its own per-batch limit (`maxOffsetsPerTrigger`). */
export interface SourcePart {
  readonly source: Source<any, any>;
  readonly maxRows?: number;
}

/** What progress reports of each input for a batch (Spark lists every source in `sources`). */
export interface PartProgress {
  readonly description: string;
  readonly startOffset: Offset;
  readonly endOffset: Offset;
  readonly latestOffset: Offset;
  readonly numInputRows: number;
  readonly metrics: Record<string, number | string>;
}

/**
 * The sources of a query with several inputs (a union, a stream-stream join) as one: an offset is the
 * list of theirs, in the plan's source order (Spark's OffsetSeq), and a batch's rows come with each
 * source's rows apart (`INPUTS`), for each input's chain of operators. Each source keeps its own
 * per-batch limit; a source with nothing new is not read.
 */
export class CompositeSource implements Source<Row, Offset[]> {
  readonly description: string;
  readonly identity: string;
  readonly fields = {};
  private counts: number[];

  constructor(private readonly parts: readonly SourcePart[]) {
    this.description = `Sources[${parts.map((p) => p.source.description).join(", ")}]`;
    this.identity = `Sources[${parts.map((p) => p.source.identity ?? p.source.description).join(", ")}]`;
    this.counts = parts.map(() => 0);
  }

  async open(): Promise<void> {
    for (const p of this.parts) await p.source.open?.();
  }

  initialOffset(): Promise<Offset[]> {
    return Promise.all(this.parts.map((p) => p.source.initialOffset()));
  }

  latestOffset(start: Offset[], limit: ReadLimit): Promise<Offset[]> {
    const upTo = limit.upTo as Offset[] | undefined;
    return Promise.all(
      this.parts.map((p, i) =>
        // `unbounded` asks for everything available (availableNow's target): no per-batch limit then.
        p.source.latestOffset(start[i] as Offset, {
          maxRows: limit.unbounded ? undefined : p.maxRows,
          upTo: upTo?.[i],
          unbounded: limit.unbounded,
        }),
      ),
    );
  }

  async getBatch(start: Offset[], end: Offset[]): Promise<Row[]> {
    const inputs: Row[][] = [];
    for (const [i, p] of this.parts.entries()) {
      const s = start[i] as Offset;
      const e = end[i] as Offset;
      inputs.push(sameOffset(s, e) ? [] : ((await p.source.getBatch(s, e)) as Row[]));
    }
    this.counts = inputs.map((rows) => rows.length);
    return Object.assign(inputs.flat(), { [INPUTS]: inputs });
  }

  async commit(end: Offset[]): Promise<void> {
    for (const [i, p] of this.parts.entries()) await p.source.commit(end[i] as Offset);
  }

  async stop(): Promise<void> {
    for (const p of this.parts) await p.source.stop();
  }

  onDataAvailable(listener: () => void): () => void {
    const offs = this.parts.map((p) => p.source.onDataAvailable?.(listener));
    return () => {
      for (const off of offs) off?.();
    };
  }

  /** Each source's part in the last batch, for progress. */
  progress(start: Offset[], end: Offset[]): PartProgress[] {
    return this.parts.map((p, i) => ({
      description: p.source.description,
      startOffset: start[i] ?? null,
      endOffset: end[i] ?? null,
      latestOffset: p.source.reportLatestOffset?.() ?? end[i] ?? null,
      numInputRows: this.counts[i] ?? 0,
      metrics: p.source.metrics?.() ?? {},
    }));
  }
}
