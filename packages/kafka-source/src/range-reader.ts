import type { Consumer, EachBatchPayload, IHeaders, Kafka } from "kafkajs";
import { kafkaErrors } from "./errors.js";
import type { PartitionRange } from "./offsets.js";

export interface KafkaRow {
  key: Uint8Array | null;
  value: Uint8Array | null;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  headers: Record<string, string | null>;
}

/** One partition's position: rows fetched and not yet handed out, and where fetching continues. */
interface Stream {
  topic: string;
  partition: number;
  /** The next offset to accept; every fetched offset below it is in `rows` or was handed out. */
  cursor: number;
  rows: KafkaRow[];
  /** Index of the first row not yet handed out. */
  head: number;
  /** End of the range being read (or last read): fetching pauses there. */
  until: number;
  paused: boolean;
}

/**
 * Reads exact offset ranges. kafkajs has no manual partition assignment, so the reader is a consumer in
 * a private group (it alone, so it owns every partition), each partition paused except while a range
 * of it is read. A range that starts where the partition's stream stands (the common case: each batch
 * starts where the last ended) continues it; any other start seeks. Data fetched before a seek (stale)
 * is ignored, so a range reads the same every time.
 */
export class RangeReader {
  private consumer: Consumer | undefined;
  private readonly streams = new Map<string, Stream>();
  /** The highest high watermark fetches reported (since the owner cleared it), per `topic:partition`: a lower bound of the log end. */
  readonly highWatermarks = new Map<string, number>();
  private waiting: Stream[] = [];
  private wake: (() => void) | undefined;
  private failure: unknown;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: readonly string[],
    private readonly groupId: string,
    private readonly stallTimeoutMs: number,
  ) {}

  async start(): Promise<void> {
    // Short fetch waits: a long-poll on paused partitions would delay every read and the final disconnect.
    const consumer = this.kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 20, maxBytesPerPartition: 8 << 20, maxBytes: 64 << 20, retry: { retries: 8 } });
    this.consumer = consumer;
    await consumer.connect();
    for (const topic of this.topics) await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.fail(e.payload.error);
    });
    await consumer.run({ autoCommit: false, eachBatch: (b) => this.onBatch(b) });
    consumer.pause(this.topics.map((topic) => ({ topic })));
    await joined;
  }

  /** Each range's rows in offset order, one array per range, in range order. */
  async read(ranges: readonly PartitionRange[]): Promise<KafkaRow[][]> {
    // Rows kept for a partition this read skips would be held indefinitely (up to a fetch's worth
    // each): forget those streams; a later range of theirs seeks.
    const asked = new Set(ranges.map((r) => `${r.topic}:${r.partition}`));
    for (const key of this.streams.keys()) if (!asked.has(key)) this.streams.delete(key);
    const streams = ranges.map((r) => this.position(r));
    this.waiting = streams;
    let lastProgress = Date.now();
    let progressMark = -1;
    try {
      while (streams.some((s) => s.cursor < s.until)) {
        if (this.failure) throw this.failure;
        const mark = streams.reduce((n, s) => n + s.cursor, 0);
        if (mark !== progressMark) { progressMark = mark; lastProgress = Date.now(); }
        if (Date.now() - lastProgress > this.stallTimeoutMs) {
          const s = streams.find((x) => x.cursor < x.until)!;
          throw kafkaErrors.fetchStalled(s.topic, s.partition, s.cursor, s.until, this.stallTimeoutMs);
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 200);
          this.wake = () => { clearTimeout(t); resolve(); };
        });
      }
    } finally {
      this.waiting = [];
    }
    return streams.map((s) => this.take(s));
  }

  async stop(): Promise<void> {
    // A read in flight (e.g. a prefetch) ends now instead of waiting for its stall timeout.
    this.fail(new Error("the Kafka source was stopped"));
    await this.consumer?.disconnect().catch(() => {});
  }

  /** The partition's stream, continued if it stands where the range starts, else moved there by a seek. */
  private position(r: PartitionRange): Stream {
    const key = `${r.topic}:${r.partition}`;
    let s = this.streams.get(key);
    const first = s ? (s.head < s.rows.length ? s.rows[s.head]!.offset : s.cursor) : -1;
    if (!s || r.from < first || r.from > s.cursor) {
      s = { topic: r.topic, partition: r.partition, cursor: r.from, rows: [], head: 0, until: r.until, paused: true };
      this.streams.set(key, s);
      this.consumer!.seek({ topic: r.topic, partition: r.partition, offset: String(r.from) });
    }
    s.head = countBelow(s.rows, r.from, s.head);
    s.until = r.until;
    if (s.paused && s.cursor < s.until) this.setPaused(s, false);
    return s;
  }

  /** Hands out the stream's rows below its range end; later rows (a fetch past it) stay for the next range. */
  private take(s: Stream): KafkaRow[] {
    const end = countBelow(s.rows, s.until, s.head);
    const out = s.head === 0 && end === s.rows.length ? s.rows : s.rows.slice(s.head, end);
    s.rows = end === s.rows.length ? [] : s.rows.slice(end);
    s.head = 0;
    return out;
  }

  private setPaused(s: Stream, paused: boolean): void {
    s.paused = paused;
    const tp = [{ topic: s.topic, partitions: [s.partition] }];
    if (paused) this.consumer?.pause(tp);
    else this.consumer?.resume(tp);
  }

  private fail(error: unknown): void {
    this.failure = error;
    this.wake?.();
  }

  private async onBatch({ batch, isStale }: EachBatchPayload): Promise<void> {
    const key = `${batch.topic}:${batch.partition}`;
    const high = Number(batch.highWatermark);
    if (high > (this.highWatermarks.get(key) ?? -1)) this.highWatermarks.set(key, high);
    const s = this.streams.get(key);
    if (!s) {
      this.consumer?.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
      return;
    }
    // Fetched before a seek that has not taken effect yet: not from this stream's position. Every
    // other batch is kept, even one that arrives after a pause: kafkajs moves its fetch position past
    // whatever it delivered, so dropping one would leave a hole the next range cannot see.
    if (isStale()) return;
    const before = s.cursor;
    for (const m of batch.messages) {
      const offset = Number(m.offset);
      if (offset < s.cursor) continue;
      s.rows.push({ key: m.key ?? null, value: m.value ?? null, topic: batch.topic, partition: batch.partition, offset, timestamp: Number(m.timestamp), headers: decodeHeaders(m.headers) });
      s.cursor = offset + 1;
    }
    // Offsets may have gaps (compaction, transaction markers): a fetch that started at or before our
    // position has read everything up to its last offset.
    const first = batch.messages.length > 0 ? Number(batch.messages[0]!.offset) : Number.POSITIVE_INFINITY;
    const last = Number(batch.lastOffset());
    if (first <= before && last + 1 > s.cursor) s.cursor = last + 1;
    if (!s.paused && s.cursor >= s.until) this.setPaused(s, true);
    if (s.cursor >= s.until && this.waiting.includes(s)) this.wake?.();
  }
}

/** How many of `rows` (sorted by offset) have an offset below `until`; the first `from` are known to. */
export function countBelow(rows: readonly KafkaRow[], until: number, from = 0): number {
  let lo = from, hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.offset < until) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const NO_HEADERS: Record<string, string | null> = Object.freeze({}) as Record<string, string | null>;

/** Header values as strings; most messages have none, and those share one frozen empty object. */
function decodeHeaders(headers: IHeaders | undefined): Record<string, string | null> {
  if (!headers) return NO_HEADERS;
  let out: Record<string, string | null> | undefined;
  for (const k in headers) {
    const v = headers[k];
    (out ??= {})[k] = v == null ? null : Array.isArray(v) ? v.map(String).join(",") : v.toString();
  }
  return out ?? NO_HEADERS;
}
