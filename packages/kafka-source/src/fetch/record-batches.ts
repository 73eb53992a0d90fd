import { errorMessage } from "@skp/core";
// A default import: kafkajs is CommonJS, and Node cannot see this export as a named one.
import kafkajs from "kafkajs";
import type { KafkaRow } from "../kafka-row.js";
import { NO_HEADERS } from "../kafka-row.js";
import { ByteReader, RecordFormatError } from "./byte-reader.js";
import type { AbortedTransaction } from "./fetch-response.js";

/** Bytes of a record batch (magic 2) before its records. */
const BATCH_HEADER = 61;
const MAGIC_AT = 16;
const CODEC_MASK = 0x07,
  LOG_APPEND_TIME = 0x08,
  TRANSACTIONAL = 0x10,
  CONTROL = 0x20;

export interface DecodedRecords {
  /** The offset after the last complete batch; -1 when the bytes held no complete batch. */
  next: number;
  /** When no batch was complete: the bytes the first (cut) batch needs, so the next fetch can ask for them. */
  needBytes: number;
}

export { RecordFormatError };

/**
 * Decodes a partition's fetched record batches straight into rows, appending those at or after `from`
 * to `out` — one object per record, the key and value views into the fetched bytes. Read-committed:
 * control batches and batches of aborted transactions (the response's `aborted` list, tracked as the
 * Java consumer does) are skipped but still move `next` past them. A trailing partial batch (a fetch
 * is cut at its byte limit) is left for the next fetch.
 */
export async function decodeRecordBatches(
  records: Buffer,
  topic: string,
  partition: number,
  from: number,
  aborted: readonly AbortedTransaction[],
  out: KafkaRow[],
): Promise<DecodedRecords> {
  const r = new ByteReader(records);
  const pendingAborts = aborted.length > 0 ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : aborted;
  let nextAbort = 0;
  const abortedProducers = new Set<number>();
  let next = -1,
    needBytes = 0;
  while (records.length - r.pos >= BATCH_HEADER) {
    const start = r.pos;
    const baseOffset = r.int64();
    const length = r.int32();
    if (length < BATCH_HEADER - 12)
      throw new RecordFormatError(`${topic}-${partition}: the batch at offset ${baseOffset} is corrupt (length ${length})`);
    const end = start + 12 + length;
    if (end > records.length) {
      if (next < 0) needBytes = 12 + length;
      break;
    }
    const magic = records[start + MAGIC_AT]!;
    if (magic !== 2)
      throw new RecordFormatError(
        `${topic}-${partition}: offset ${baseOffset} is in message format v${magic}; only record batches (v2, Kafka 0.11+) are read directly — use reader: "consumer"`,
      );
    r.pos = start + 21; // leader epoch, magic, crc (not verified, as kafkajs does not)
    const attributes = r.int16();
    const lastOffsetDelta = r.int32();
    const firstTimestamp = r.int64();
    const maxTimestamp = r.int64();
    const producerId = r.int64();
    r.pos += 6; // producer epoch, base sequence
    const n = r.int32();
    const batchEnd = baseOffset + lastOffsetDelta + 1;
    r.pos = end;
    next = batchEnd;
    // Transaction bookkeeping sees every batch, even one wholly before `from`: its marker may end an abort.
    if (attributes & (TRANSACTIONAL | CONTROL)) {
      while (nextAbort < pendingAborts.length && pendingAborts[nextAbort]!.firstOffset < batchEnd)
        abortedProducers.add(pendingAborts[nextAbort++]!.producerId);
      if (attributes & CONTROL) {
        if (isAbortMarker(records, start + BATCH_HEADER, end)) abortedProducers.delete(producerId);
        continue;
      }
      if (abortedProducers.has(producerId)) continue;
    }
    if (batchEnd <= from) continue;
    let body = new ByteReader(records, start + BATCH_HEADER);
    let bodyEnd = end;
    const codec = attributes & CODEC_MASK;
    if (codec !== 0) {
      const plain = await decompress(codec, records.subarray(start + BATCH_HEADER, end), topic, partition, baseOffset);
      body = new ByteReader(plain);
      bodyEnd = plain.length;
    }
    const logAppend = (attributes & LOG_APPEND_TIME) !== 0;
    for (let i = 0; i < n; i++) {
      const length = body.varint();
      const recordEnd = body.pos + length;
      if (length < 0 || recordEnd > bodyEnd)
        throw new RecordFormatError(`${topic}-${partition}: record ${i} of the batch at offset ${baseOffset} is truncated`);
      body.pos++; // record attributes (unused)
      const timestampDelta = body.varlong();
      const offset = baseOffset + body.varint();
      if (offset < from) {
        body.pos = recordEnd;
        continue;
      }
      const key = body.varBytes();
      const value = body.varBytes();
      const headerCount = body.varint();
      const headers = headerCount > 0 ? readHeaders(body, headerCount) : NO_HEADERS;
      if (body.pos > recordEnd)
        throw new RecordFormatError(`${topic}-${partition}: record at offset ${offset} is corrupt (its fields run past its length)`);
      body.pos = recordEnd;
      out.push({ key, value, topic, partition, offset, timestamp: logAppend ? maxTimestamp : firstTimestamp + timestampDelta, headers });
    }
  }
  return { next, needBytes };
}

/** Header values as strings (a repeated key's values joined by commas, as the consumer reader does). */
function readHeaders(r: ByteReader, count: number): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (let h = 0; h < count; h++) {
    const key = r.varString() ?? "";
    const value = r.varString();
    out[key] = key in out ? [out[key], value].join(",") : value;
  }
  return out;
}

/** A control batch's marker: its record's key is (version INT16, type INT16), type 0 = ABORT, 1 = COMMIT. */
function isAbortMarker(records: Buffer, at: number, end: number): boolean {
  const r = new ByteReader(records, at);
  r.varint(); // record length
  r.pos++; // attributes
  r.varlong(); // timestamp delta
  r.varint(); // offset delta
  const keyLength = r.varint();
  return keyLength >= 4 && r.pos + 4 <= end && records.readInt16BE(r.pos + 2) === 0;
}

/** Decompresses with the codec registered in kafkajs' `CompressionCodecs` (gzip built in; snappy, lz4 and zstd by plugin). */
async function decompress(codec: number, data: Buffer, topic: string, partition: number, offset: number): Promise<Buffer> {
  const factory = (kafkajs.CompressionCodecs as unknown as Record<number, (() => { decompress(b: Buffer): Promise<Buffer> }) | undefined>)[
    codec
  ];
  let impl: { decompress(b: Buffer): Promise<Buffer> };
  try {
    if (!factory) throw new Error(`unknown codec ${codec}`);
    impl = factory();
  } catch (e) {
    throw new RecordFormatError(
      `${topic}-${partition}: the batch at offset ${offset} is compressed with ${["none", "gzip", "snappy", "lz4", "zstd"][codec] ?? `codec ${codec}`}, which kafkajs cannot decompress: ` +
        `register a codec in kafkajs' CompressionCodecs (e.g. kafkajs-snappy). (${errorMessage(e)})`,
    );
  }
  try {
    return await impl.decompress(data);
  } catch (e) {
    throw new RecordFormatError(`${topic}-${partition}: the batch at offset ${offset} could not be decompressed: ${errorMessage(e)}`);
  }
}
