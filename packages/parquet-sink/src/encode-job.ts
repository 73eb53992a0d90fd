import { parquetWriteBuffer } from "hyparquet-writer";
import type { SchemaElement } from "./parquet-schema.js";

export type Codec = "SNAPPY" | "UNCOMPRESSED";

/** What one Parquet file needs: column arrays, their schema elements, codec and row-group size. */
export interface EncodeJob {
  columnData: { name: string; data: unknown[] | Int32Array | BigInt64Array | Float64Array }[];
  elements: readonly SchemaElement[];
  codec: Codec;
  rowGroupSize?: number;
}

/** hyparquet-writer's options for a job: the one place they are spelled, for this thread and the workers. */
export function writeOptions<C>(job: Omit<EncodeJob, "columnData"> & { columnData: C }) {
  return {
    columnData: job.columnData,
    schema: [{ name: "root", num_children: job.elements.length }, ...job.elements],
    codec: job.codec,
    ...(job.rowGroupSize ? { rowGroupSize: job.rowGroupSize } : {}),
    createdBy: "skp parquet-sink (hyparquet-writer)",
  };
}

/** Encodes one file on the calling thread (hyparquet-writer is synchronous). */
export function encodeNow(job: EncodeJob): Uint8Array {
  return new Uint8Array(parquetWriteBuffer(writeOptions(job) as never));
}

/** A job's options as they travel to an encoder thread: string columns packed (see {@link packStrings}). */
export type WireOptions = ReturnType<typeof writeOptions<ReturnType<typeof packStrings>[]>>;

/** The job as it crosses to a thread, and the buffers that move with it instead of being copied. */
export function toWire(job: EncodeJob): { options: WireOptions; transfer: ArrayBuffer[] } {
  const options = writeOptions({ ...job, columnData: job.columnData.map(packStrings) });
  return { options, transfer: transferables(options) };
}

/**
 * A column of strings travels as one string plus lengths: copying one long string to a thread is a
 * memcpy, copying thousands of small ones is not. Other columns are sent as they are.
 */
export function packStrings(
  c: EncodeJob["columnData"][number],
): EncodeJob["columnData"][number] | { name: string; data: null; packed: { text: string; lengths: Int32Array } } {
  const data = c.data;
  if (!Array.isArray(data) || data.length === 0 || typeof data[0] !== "string") return c;
  const lengths = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === "string") lengths[i] = v.length;
    else if (v === null || v === undefined) lengths[i] = -1;
    else return c;
  }
  return { name: c.name, data: null, packed: { text: data.join(""), lengths } };
}

/** The typed-array columns' buffers move to the worker instead of being copied. */
function transferables(job: { columnData: { data: unknown; packed?: { lengths: Int32Array } }[] }): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const c of job.columnData) {
    if (c.packed) out.push(c.packed.lengths.buffer as ArrayBuffer);
    const d = c.data;
    if (ArrayBuffer.isView(d) && d.buffer instanceof ArrayBuffer && d.byteLength === d.buffer.byteLength) out.push(d.buffer);
  }
  return out;
}
