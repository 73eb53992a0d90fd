import { parquetWriteBuffer } from "hyparquet-writer";
import type { ColumnPlan, SchemaElement } from "./parquet-schema.js";

export type Codec = "SNAPPY" | "UNCOMPRESSED";

/** Encodes rows as one Parquet file (in memory): a plain loop per column over the rows. */
export function encodeRows(rows: readonly Record<string, unknown>[], columns: readonly ColumnPlan[], codec: Codec, rowGroupSize?: number): Uint8Array {
  const columnData = columns.map((c) => {
    const data = new Array<unknown>(rows.length);
    const [head, sub] = c.path;
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]![head!];
      data[i] = c.convert(sub === undefined ? v : v == null ? null : (v as Record<string, unknown>)[sub]);
    }
    return { name: c.element.name, data };
  });
  return encodeColumns(columnData, columns.map((c) => c.element), codec, rowGroupSize);
}

/** Encodes ready column arrays with an explicit schema (also used by compaction, with a file's own schema). */
export function encodeColumns(columnData: { name: string; data: unknown[] }[], elements: readonly SchemaElement[], codec: Codec, rowGroupSize?: number): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: columnData as never,
    schema: [{ name: "root", num_children: elements.length }, ...elements] as never,
    codec,
    ...(rowGroupSize ? { rowGroupSize } : {}),
    createdBy: "skp parquet-sink (hyparquet-writer)",
  });
  return new Uint8Array(buffer);
}
