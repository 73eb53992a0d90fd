import type { BatchInfo, Fields, LateRecord, MalformedRecord } from "@skp/core";
import type { Message } from "kafkajs";

/** How the sink turns a row into a Kafka message's key, value and headers. */
export interface RecordEncoding {
  key?: string | ((row: any) => string | Buffer | null);
  value?: (row: any) => string | Buffer;
  headers?: (row: any) => Record<string, string>;
}

/** JSON of a row; bytes as base64, so any row is one JSON value (as Spark's `to_json` writes binary). */
export function rowJson(row: unknown): string {
  return JSON.stringify(row, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v));
}

/** Plain `JSON.stringify` when no column can hold bytes (a replacer costs a call per value). */
export function jsonFor(fields: Fields): (row: unknown) => string {
  const bytes = Object.values(fields).some((t) => t.kind === "binary" || t.kind === "any" || t.kind === "struct");
  return bytes ? rowJson : (row) => JSON.stringify(row);
}

/**
 * Each row's message. A dead letter's value is the raw bytes exactly as received, with the reason,
 * source coordinates and batch id in headers (Kafka Connect's dead-letter convention, `skp-dlq-*`);
 * a late row's value is the row as JSON, with its window and the watermark in headers. Every message
 * carries the query id and batch id (`skp-query-id`, `skp-batch-id`), so a consumer can drop a batch
 * written twice.
 */
export function encoder(encoding: RecordEncoding, batchId: number, info: BatchInfo): (row: object) => Message {
  const { key, value, headers } = encoding;
  const json = jsonFor(info.fields);
  const queryId = info.queryId;
  const keyOf = typeof key === "string" ? (row: any) => toKey(row[key]) : key;
  const base = { "skp-query-id": queryId, "skp-batch-id": String(batchId) };
  if (info.sideOutput === "deadLetters")
    return (r) => {
      const row = r as MalformedRecord;
      const h: Record<string, string> = { ...base, "skp-dlq-reason": row.reason, "skp-dlq-batch-id": String(row.batchId) };
      if (row.source?.topic !== undefined) h["skp-dlq-topic"] = row.source.topic;
      if (row.source?.partition !== undefined) h["skp-dlq-partition"] = String(row.source.partition);
      if (row.source?.offset !== undefined) h["skp-dlq-offset"] = String(row.source.offset);
      return { value: rawBytes(row.raw), headers: { ...h, ...headers?.(row) } };
    };
  if (info.sideOutput === "lateRows")
    return (r) => {
      const row = r as LateRecord;
      const h: Record<string, string> = { ...base, "skp-late-watermark-ms": String(row.watermarkMs) };
      if (row.window) h["skp-late-window"] = `${row.window.start}-${row.window.end}`;
      return { key: keyOf?.(row.row) ?? null, value: value ? value(row.row) : rowJson(row.row), headers: { ...h, ...headers?.(row) } };
    };
  return (row) => ({
    key: keyOf?.(row) ?? null,
    value: value ? value(row) : json(row),
    headers: headers ? { ...base, ...headers(row) } : base,
  });
}

function toKey(v: unknown): string | Buffer | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return Buffer.from(v);
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The dead letter's input as it was: bytes stay bytes, text is UTF-8, anything else (a non-string value) JSON. */
function rawBytes(raw: unknown): Buffer | null {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return Buffer.from(typeof raw === "string" ? raw : JSON.stringify(raw));
}
