import { endianness } from "node:os";
import type { Codec, EncodeJob } from "./encode-job.js";
import type { ColumnPlan } from "./parquet-schema.js";

type Row = Record<string, unknown>;

/** One Parquet file's encoding job for rows: a plain loop per column over the rows. */
export function rowsToJob(rows: readonly Row[], columns: readonly ColumnPlan[], codec: Codec, rowGroupSize?: number): EncodeJob {
  const columnData = columns.map((c) => {
    const value = valueReader(c.path);
    const typed = typedColumn(rows, c, value);
    if (typed) return { name: c.element.name, data: typed };
    const data = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) data[i] = c.convert(value(rows[i]!));
    return { name: c.element.name, data };
  });
  return { columnData, elements: columns.map((c) => c.element), codec, rowGroupSize };
}

/** A row's value for the column, unconverted; a nested column reads one field of a struct. */
function valueReader(path: ColumnPlan["path"]): (row: Row) => unknown {
  const [head, sub] = path as [string, string | undefined];
  if (sub === undefined) return (row) => row[head];
  return (row) => {
    const v = row[head];
    return v == null ? null : (v as Row)[sub];
  };
}

// INT64 cells are written as two 32-bit words: no BigInt per cell. Word order needs a little-endian host.
const LITTLE_ENDIAN = endianness() === "LE";
const TWO_32 = 2 ** 32;

/**
 * Numeric columns whose every cell is a number, as typed arrays: no boxed values for the garbage
 * collector, and their buffers move to an encoder thread without a copy. Undefined when a cell is
 * null or not representable (the generic loop then converts each cell, or reports it).
 */
function typedColumn(
  rows: readonly Row[],
  c: ColumnPlan,
  value: (row: Row) => unknown,
): Int32Array | BigInt64Array | Float64Array | undefined {
  const kind = c.element.type,
    n = rows.length;
  if (kind === "INT64") {
    if (!LITTLE_ENDIAN) return undefined;
    const out = new BigInt64Array(n),
      words = new Int32Array(out.buffer);
    const scale = c.scale ?? 1;
    for (let i = 0; i < n; i++) {
      const v = value(rows[i]!);
      if (typeof v !== "number") return undefined;
      // Same value as BigInt(Math.round(v * scale)) for longs and timestamps; longs must already be integers.
      const x = scale === 1 ? v : Math.round(v * scale);
      if (!Number.isSafeInteger(x)) return undefined;
      words[2 * i] = x | 0;
      words[2 * i + 1] = Math.floor(x / TWO_32);
    }
    return out;
  }
  if (kind !== "INT32" && kind !== "DOUBLE") return undefined;
  const out = kind === "INT32" ? new Int32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = value(rows[i]!);
    if (typeof v !== "number") return undefined;
    out[i] = v;
  }
  return out;
}
