import { errorMessage } from "@skp/core";
import { ByteReader, RecordFormatError } from "./byte-reader.js";

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

/** One partition of a Fetch response; its record batches are left encoded (`records`). */
export interface FetchedPartition {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  aborted: AbortedTransaction[];
  records: Buffer;
}

export interface FetchResponse {
  errorCode: number;
  partitions: FetchedPartition[];
}

/** The lowest Fetch version decoded here: v4 added record batches (magic 2) and isolation levels. */
export const MIN_FETCH_VERSION = 4;
const NO_RECORDS = Buffer.alloc(0);

/**
 * Decodes a Fetch response (versions 4–11) down to each partition's header and its raw record bytes;
 * the records are decoded by `decodeRecordBatches`, once the reader knows where the partition stands.
 */
export function decodeFetchResponse(raw: Buffer, version: number): FetchResponse {
  if (version < MIN_FETCH_VERSION || version > 11)
    throw new RecordFormatError(`Fetch v${version} is not supported (v${MIN_FETCH_VERSION}–v11)`);
  try {
    return decodeFields(raw, version);
  } catch (e) {
    if (e instanceof RecordFormatError) throw e;
    throw new RecordFormatError(`malformed Fetch v${version} response (${raw.length} bytes): ${errorMessage(e)}`);
  }
}

function decodeFields(raw: Buffer, version: number): FetchResponse {
  const r = new ByteReader(raw);
  r.int32(); // throttle time
  let errorCode = 0;
  if (version >= 7) {
    errorCode = r.int16();
    r.int32(); // fetch session id
  }
  const partitions: FetchedPartition[] = [];
  for (let t = r.int32(); t > 0; t--) {
    const topic = r.string();
    for (let p = r.int32(); p > 0; p--) {
      const partition = r.int32();
      const code = r.int16();
      const highWatermark = r.int64();
      const lastStableOffset = r.int64();
      if (version >= 5) r.int64(); // log start offset
      const aborted: AbortedTransaction[] = [];
      for (let a = r.int32(); a > 0; a--) aborted.push({ producerId: r.int64(), firstOffset: r.int64() });
      if (version >= 11) r.int32(); // preferred read replica
      const size = r.int32();
      const records = size > 0 ? raw.subarray(r.pos, r.pos + size) : NO_RECORDS;
      r.pos += Math.max(0, size);
      partitions.push({ topic, partition, errorCode: code, highWatermark, lastStableOffset, aborted, records });
    }
  }
  if (r.pos > raw.length) throw new RecordFormatError(`truncated Fetch v${version} response (${raw.length} bytes, needed ${r.pos})`);
  return { errorCode, partitions };
}
