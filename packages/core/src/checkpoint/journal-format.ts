/**
 * The journal's frame: `u32 length | u32 CRC-32 of the payload | payload` (little-endian), the payload
 * being UTF-8 `<path in the checkpoint>\n<the file's text>` (a path has no newline; the text is kept
 * as is, not escaped). The CRC tells a torn tail (a write a crash cut short) from a whole record.
 *
 * CRC-32 is written here (a table and a loop) rather than taken from `node:zlib`, so core keeps no
 * dependency on Node outside `node-file-system.ts`.
 */
export interface JournalRecord {
  /** The file this record writes, relative to the checkpoint directory: `offsets/3`, `state/1/4.delta`. */
  path: string;
  text: string;
}

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const HEADER = 8;
/** Larger than any record skp writes (a state delta of millions of keys); a larger length is garbage. */
const MAX_RECORD = 1 << 30;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeRecord(record: JournalRecord): Uint8Array {
  if (record.path.includes("\n")) throw new Error(`a journal path cannot hold a newline: ${JSON.stringify(record.path)}`);
  const payload = encoder.encode(`${record.path}\n${record.text}`);
  const frame = new Uint8Array(HEADER + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32(payload), true);
  frame.set(payload, HEADER);
  return frame;
}

export interface DecodedSegment {
  records: JournalRecord[];
  /** Where each record's frame starts in the segment. */
  offsets: number[];
  /** Bytes up to the end of the last whole record. */
  validBytes: number;
  /** Bytes after the last whole record that are not the zeros a segment is preallocated with. */
  torn: boolean;
  /** Set when whole records follow a bad one: corruption, not a torn tail. */
  corruptAt?: number;
}

/**
 * Reads frames until the end or the first bad one. Zeros there are the segment's preallocated end; a
 * bad frame with nothing whole after it is a torn tail (the records it held were never acknowledged);
 * a bad frame followed by a whole one is corruption.
 */
export function decodeSegment(bytes: Uint8Array): DecodedSegment {
  const records: JournalRecord[] = [];
  const offsets: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const record = frameAt(bytes, at);
    if (!record) {
      const length = bytes.length - at >= HEADER ? readU32(bytes, at) : -1;
      const next = length >= 0 && length <= MAX_RECORD ? at + HEADER + length : -1;
      const corrupt = next > at && next < bytes.length && frameAt(bytes, next) !== undefined;
      const torn = bytes.subarray(at).some((b) => b !== 0);
      return corrupt ? { records, offsets, validBytes: at, torn, corruptAt: at } : { records, offsets, validBytes: at, torn };
    }
    records.push(record.record);
    offsets.push(at);
    at = record.end;
  }
  return { records, offsets, validBytes: at, torn: false };
}

/** The record whose frame starts at `at` (a place the journal noted), or undefined if it is not whole there. */
export function recordAt(bytes: Uint8Array, at: number): JournalRecord | undefined {
  return frameAt(bytes, at)?.record;
}

function frameAt(bytes: Uint8Array, at: number): { record: JournalRecord; end: number } | undefined {
  if (bytes.length - at < HEADER) return undefined;
  const length = readU32(bytes, at);
  const end = at + HEADER + length;
  if (length > MAX_RECORD || end > bytes.length) return undefined;
  const payload = bytes.subarray(at + HEADER, end);
  if (crc32(payload) !== readU32(bytes, at + 4)) return undefined;
  try {
    const text = decoder.decode(payload);
    const newline = text.indexOf("\n");
    if (newline <= 0) return undefined;
    return { record: { path: text.slice(0, newline), text: text.slice(newline + 1) }, end };
  } catch {
    return undefined; // not UTF-8
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
