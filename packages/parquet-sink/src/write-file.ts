import type { ColumnPlan } from "./parquet-schema.js";
import type { Codec, EncodeJob } from "./encode-pool.js";

type Row = Record<string, unknown>;

/** One Parquet file's encoding job for rows: a plain loop per column over the rows. */
export function rowsToJob(rows: readonly Row[], columns: readonly ColumnPlan[], codec: Codec, rowGroupSize?: number): EncodeJob {
  const columnData = columns.map((c) => {
    const cell = cellReader(c);
    const typed = typedColumn(rows, c.element.type, cell);
    if (typed) return { name: c.element.name, data: typed };
    const data = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) data[i] = cell(rows[i]!);
    return { name: c.element.name, data };
  });
  return { columnData, elements: columns.map((c) => c.element), codec, rowGroupSize };
}

/** A row's value for the column, converted; a nested column reads one field of a struct. */
function cellReader(c: ColumnPlan): (row: Row) => unknown {
  const [head, sub] = c.path;
  if (sub === undefined) return (row) => c.convert(row[head!]);
  return (row) => {
    const v = row[head!];
    return c.convert(v == null ? null : (v as Row)[sub]);
  };
}

const TYPED = { INT32: Int32Array, INT64: BigInt64Array, DOUBLE: Float64Array } as const;

/**
 * Numeric columns without nulls as typed arrays: no boxed BigInts for the garbage collector, and
 * their buffers move to an encoder thread without a copy. Undefined when the column has a null.
 */
function typedColumn(rows: readonly Row[], kind: ColumnPlan["element"]["type"], cell: (row: Row) => unknown): Int32Array | BigInt64Array | Float64Array | undefined {
  if (kind !== "INT32" && kind !== "INT64" && kind !== "DOUBLE") return undefined;
  const out = new TYPED[kind](rows.length);
  for (let i = 0; i < rows.length; i++) {
    const x = cell(rows[i]!);
    if (x == null) return undefined;
    out[i] = x as never;
  }
  return out;
}
