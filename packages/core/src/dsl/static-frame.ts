import { errors } from "../errors.js";
import type { StaticTable } from "../plan/nodes.js";
import type { DataType, Fields, Infer } from "../schema/types.js";

/** The rows of a static table, or a loader called once per batch (how a lookup table is refreshed). */
export type StaticRows<R> = readonly R[] | (() => readonly R[] | Promise<readonly R[]>);

/**
 * A bounded table (Spark's static DataFrame) for the other side of a stream-static join. Its rows are
 * given as they are, or by a loader the query calls before every batch — a lookup table that changes
 * is refreshed that way (cache in the loader what need not be read every batch).
 */
export class StaticFrame<R extends object> {
  /** @internal */
  readonly table: StaticTable;

  constructor(rows: StaticRows<R>, schema: DataType<unknown> & { fields: Fields }) {
    if (typeof rows !== "function" && !Array.isArray(rows))
      throw errors.badOption("staticFrame", rows, "an array of rows or a loader function");
    this.table = { rows: rows as StaticTable["rows"], fields: schema.fields };
  }

  get schema(): Fields {
    return this.table.fields;
  }
}

/**
 * A static table for `stream.join(table, { on, type })`.
 *
 * @example
 * const users = staticFrame([{ id: 1, country: "NL" }], struct({ id: int(), country: string() }));
 * events.join(users, { on: "id", type: "leftOuter" });
 */
export function staticFrame<S extends DataType<unknown> & { fields: Fields }>(
  rows: StaticRows<Infer<S>>,
  schema: S,
): StaticFrame<Infer<S> & object> {
  return new StaticFrame(rows as StaticRows<Infer<S> & object>, schema);
}
