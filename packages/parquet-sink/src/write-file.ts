import type { ColumnPlan } from "./parquet-schema.js";
import type { Codec, EncodeJob } from "./encode-pool.js";

/** One Parquet file's encoding job for rows: a plain loop per column over the rows. */
export function rowsToJob(rows: readonly Record<string, unknown>[], columns: readonly ColumnPlan[], codec: Codec, rowGroupSize?: number): EncodeJob {
  const columnData = columns.map((c) => {
    const typed = typedColumn(rows, c);
    if (typed) return { name: c.element.name, data: typed };
    const data = new Array<unknown>(rows.length);
    const [head, sub] = c.path;
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]![head!];
      data[i] = c.convert(sub === undefined ? v : v == null ? null : (v as Record<string, unknown>)[sub]);
    }
    return { name: c.element.name, data };
  });
  return { columnData, elements: columns.map((c) => c.element), codec, rowGroupSize };
}

const TYPED = { INT32: Int32Array, INT64: BigInt64Array, DOUBLE: Float64Array } as const;

/**
 * Numeric columns without nulls as typed arrays: no boxed BigInts for the garbage collector, and
 * their buffers move to an encoder thread without a copy. Undefined when the column has a null.
 */
function typedColumn(rows: readonly Record<string, unknown>[], c: ColumnPlan): Int32Array | BigInt64Array | Float64Array | undefined {
  const kind = c.element.type;
  if (kind !== "INT32" && kind !== "INT64" && kind !== "DOUBLE") return undefined;
  const out = new TYPED[kind](rows.length);
  const [head, sub] = c.path;
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]![head!];
    const x = c.convert(sub === undefined ? v : v == null ? null : (v as Record<string, unknown>)[sub]);
    if (x == null) return undefined;
    out[i] = x as never;
  }
  return out;
}
