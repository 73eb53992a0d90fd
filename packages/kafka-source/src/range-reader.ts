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

interface Pending {
  range: PartitionRange;
  cursor: number;
  rows: KafkaRow[];
}

/**
 * Reads exact offset ranges. kafkajs has no manual partition assignment, so the reader is a consumer in
 * a private group (it alone, so it owns every partition), paused except while a range is read: seek to
 * the range start, resume, keep exactly the offsets in `[from, until)`, pause again. Anything a fetch
 * returns outside the range (stale in-flight data) is ignored, so a range reads the same every time.
 */
export class RangeReader {
  private consumer: Consumer | undefined;
  private pending = new Map<string, Pending>();
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

  /** Rows of every range, in range order (topic, partition) and offset order within each. */
  async read(ranges: readonly PartitionRange[]): Promise<KafkaRow[]> {
    const consumer = this.consumer!;
    this.pending = new Map(ranges.map((r) => [`${r.topic}:${r.partition}`, { range: r, cursor: r.from, rows: [] }]));
    for (const r of ranges) {
      consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.from) });
      consumer.resume([{ topic: r.topic, partitions: [r.partition] }]);
    }
    let lastProgress = Date.now();
    let progressMark = -1;
    while (this.unfinished().length > 0) {
      if (this.failure) throw this.failure;
      const mark = [...this.pending.values()].reduce((n, p) => n + p.cursor, 0);
      if (mark !== progressMark) { progressMark = mark; lastProgress = Date.now(); }
      if (Date.now() - lastProgress > this.stallTimeoutMs) {
        const p = this.unfinished()[0]!;
        throw kafkaErrors.fetchStalled(p.range.topic, p.range.partition, p.cursor, p.range.until, this.stallTimeoutMs);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
    }
    const out: KafkaRow[] = [];
    // A loop, not push(...rows): spreading a range of 100k+ rows overflows the call stack.
    for (const r of ranges) for (const row of this.pending.get(`${r.topic}:${r.partition}`)!.rows) out.push(row);
    this.pending = new Map();
    return out;
  }

  async stop(): Promise<void> {
    // A read in flight (e.g. a prefetch) ends now instead of waiting for its stall timeout.
    this.fail(new Error("the Kafka source was stopped"));
    await this.consumer?.disconnect().catch(() => {});
  }

  private unfinished(): Pending[] {
    return [...this.pending.values()].filter((p) => p.cursor < p.range.until);
  }

  private fail(error: unknown): void {
    this.failure = error;
    this.wake?.();
  }

  private async onBatch({ batch }: EachBatchPayload): Promise<void> {
    const p = this.pending.get(`${batch.topic}:${batch.partition}`);
    if (!p || p.cursor >= p.range.until) {
      this.consumer?.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
      return;
    }
    const before = p.cursor;
    for (const m of batch.messages) {
      const offset = Number(m.offset);
      if (offset < p.cursor || offset >= p.range.until) continue;
      p.rows.push({ key: m.key ?? null, value: m.value ?? null, topic: batch.topic, partition: batch.partition, offset, timestamp: Number(m.timestamp), headers: decodeHeaders(m.headers) });
      p.cursor = offset + 1;
    }
    // Offsets may have gaps (compaction, transaction markers): a fetch that started at or before our
    // position and ended inside the range has read everything up to its last offset.
    const first = batch.messages.length > 0 ? Number(batch.messages[0]!.offset) : Number.POSITIVE_INFINITY;
    const last = Number(batch.lastOffset());
    if (first <= before && last + 1 > p.cursor && last < p.range.until) p.cursor = last + 1;
    if (p.cursor >= p.range.until) {
      this.consumer?.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
      this.wake?.();
    }
  }
}

const NO_HEADERS: Record<string, string | null> = Object.freeze({}) as Record<string, string | null>;

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
