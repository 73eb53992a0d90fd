import { deserialize, serialize } from "node:v8";
import type { Row } from "../batch/micro-batch.js";
import type { Source } from "./source.js";

/** One message of an exchange: bytes for one of its partitions. */
export interface ExchangeMessage {
  readonly partition: number;
  readonly key: string;
  readonly value: Uint8Array;
}

/** What `Exchange.open` found: the exchange's partition count and the input's. */
export interface ExchangeLayout {
  readonly partitions: number;
  readonly inputs: number;
}

/**
 * A repartition between the two stages of a stateful query whose grouping keys are not how its input
 * is partitioned (Kafka Streams' repartition topic after a key-changing `groupBy`). The first stage
 * runs the operators before the aggregation per input partition and `write`s each batch's rows to the
 * exchange partition of their grouping key; the second stage reads the exchange as a partitioned
 * source of its own (`reader()`, with state shards per exchange partition) and aggregates.
 */
export interface Exchange {
  /** Creates (or checks) the exchange for the aggregation named `name`; once per query start. */
  open(name: string): Promise<ExchangeLayout>;
  /** Writes messages; resolves once they are durable (acknowledged by every replica). */
  write(messages: readonly ExchangeMessage[]): Promise<void>;
  /** The exchange as the second stage's source: rows with `partition` and the message `value`. */
  reader(): Source<ExchangeRow, any>;
  close?(): Promise<void>;
}

/** A row of the exchange's reader. */
export interface ExchangeRow {
  readonly partition: number;
  readonly value: Uint8Array | null;
}

/**
 * One exchange message's content: the rows of input partition `p`'s batch `t` (its fence, a claim)
 * that belong to one exchange partition, in chunks. A replayed batch writes the same chunks again
 * (same rows, same order), so the reader skips chunks of a batch it has already applied. `wb` is the
 * watermark `p`'s batch ran with (its rows are late against it, as without the exchange); `wa` is
 * `p`'s watermark after the batch, sent to every exchange partition with the batch's last chunk.
 */
export interface Envelope {
  readonly p: number;
  readonly t: string;
  readonly c: number;
  readonly l: boolean;
  readonly wb: number;
  readonly wa: number;
  /** The number of input partitions: a reader's watermark is the lowest of theirs. */
  readonly n: number;
  readonly rows: Row[];
}

/** Chunks stay well under Kafka's default 1 MB message limit. */
const CHUNK_BYTES = 512 * 1024;
const MAX_CHUNK_ROWS = 10_000;

/**
 * The chunks of one (input partition, batch, exchange partition): deterministic in the rows alone,
 * so a replay cuts them the same way. A message is a length-prefixed JSON head, then the rows in V8's
 * structured serialization: every value a row can hold (numbers, strings, bytes, dates, nested
 * objects) comes back as it went in.
 */
export function encodeEnvelopes(head: Omit<Envelope, "c" | "l" | "rows">, rows: readonly Row[]): Uint8Array[] {
  const bodies: Buffer[] = [];
  const split = (piece: readonly Row[]): void => {
    const bytes = serialize(piece);
    if (bytes.length <= CHUNK_BYTES || piece.length <= 1) bodies.push(bytes);
    else {
      const half = piece.length >> 1;
      split(piece.slice(0, half));
      split(piece.slice(half));
    }
  };
  if (rows.length === 0) split(rows);
  for (let i = 0; i < rows.length; i += MAX_CHUNK_ROWS) split(rows.slice(i, i + MAX_CHUNK_ROWS));
  return bodies.map((body, c) => {
    const json = Buffer.from(JSON.stringify({ ...head, c, l: c === bodies.length - 1 }));
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(json.length);
    return Buffer.concat([prefix, json, body]);
  });
}

export function decodeEnvelope(value: Uint8Array): Envelope {
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const n = buf.readUInt32BE(0);
  const head = JSON.parse(buf.toString("utf8", 4, 4 + n)) as Omit<Envelope, "rows">;
  return { ...head, rows: deserialize(buf.subarray(4 + n)) as Row[] };
}

/** FNV-1a over a grouping key's encoding: the exchange partition of a group, the same in every process. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
