import type { Consumer, EachBatchPayload, IHeaders, Kafka } from "kafkajs";
import { kafkaErrors } from "./errors.js";
import type { KafkaRow, OffsetReader } from "./kafka-row.js";
import { NO_HEADERS } from "./kafka-row.js";
import type { PartitionRange } from "./offsets.js";
import type { PartitionStream } from "./partition-streams.js";
import { Alarm, PartitionStreams, StallClock, streamAt } from "./partition-streams.js";

interface Stream extends PartitionStream {
  paused: boolean;
}

/**
 * Reads exact offset ranges through a KafkaJS-compatible consumer (the `reader: "consumer"` mode, and
 * the only one for clients other than kafkajs itself). kafkajs has no manual partition assignment, so
 * the reader is a consumer in a private group (it alone, so it owns every partition), each partition
 * paused except while a range of it is read. A range that does not continue its partition's stream
 * seeks. Data fetched before a seek (stale) is ignored, so a range reads the same every time.
 */
export class RangeReader implements OffsetReader {
  private consumer: Consumer | undefined;
  private readonly streams = new PartitionStreams<Stream>((r) => ({ ...streamAt(r), paused: true }));
  /**
   * Always empty: kafkajs' batches carry the high watermark but not the last stable offset, and a
   * batch planned up to a high watermark past an open transaction would wait on it (read committed).
   * Without these, the source plans from the brokers' answer (which is the last stable offset).
   */
  readonly highWatermarks = new Map<string, number>();
  private waiting: Stream[] = [];
  private readonly alarm = new Alarm();
  private failure: unknown;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: readonly string[],
    private readonly groupId: string,
    private readonly stallTimeoutMs: number,
  ) {}

  async start(): Promise<void> {
    // Short fetch waits: a long-poll on paused partitions would delay every read and the final disconnect.
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 20,
      maxBytesPerPartition: 8 << 20,
      maxBytes: 64 << 20,
      retry: { retries: 8 },
    });
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
    const streams = this.streams.position(ranges, (s) =>
      this.consumer!.seek({ topic: s.topic, partition: s.partition, offset: String(s.cursor) }),
    );
    for (const s of streams) if (s.paused && s.cursor < s.until) this.setPaused(s, false);
    this.waiting = streams;
    const clock = new StallClock(this.stallTimeoutMs);
    try {
      while (streams.some((s) => s.cursor < s.until)) {
        if (this.failure) throw this.failure;
        clock.check(streams);
        await this.alarm.sleep(200);
      }
    } finally {
      this.waiting = [];
    }
    return streams.map((s) => this.streams.take(s));
  }

  async stop(): Promise<void> {
    // A read in flight (e.g. a prefetch) ends now instead of waiting for its stall timeout.
    this.fail(kafkaErrors.stopped());
    await this.consumer?.disconnect().catch(() => {});
  }

  private setPaused(s: Stream, paused: boolean): void {
    s.paused = paused;
    const tp = [{ topic: s.topic, partitions: [s.partition] }];
    if (paused) this.consumer?.pause(tp);
    else this.consumer?.resume(tp);
  }

  private fail(error: unknown): void {
    this.failure = error;
    this.alarm.wake();
  }

  private async onBatch({ batch, isStale }: EachBatchPayload): Promise<void> {
    const s = this.streams.get(batch.topic, batch.partition);
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
      s.rows.push({
        key: m.key ?? null,
        value: m.value ?? null,
        topic: batch.topic,
        partition: batch.partition,
        offset,
        timestamp: Number(m.timestamp),
        headers: decodeHeaders(m.headers),
      });
      s.cursor = offset + 1;
    }
    // Offsets may have gaps (compaction, transaction markers): a fetch that started at or before our
    // position has read everything up to its last offset.
    const first = batch.messages.length > 0 ? Number(batch.messages[0]!.offset) : Number.POSITIVE_INFINITY;
    const last = Number(batch.lastOffset());
    if (first <= before && last + 1 > s.cursor) s.cursor = last + 1;
    if (!s.paused && s.cursor >= s.until) this.setPaused(s, true);
    if (s.cursor >= s.until && this.waiting.includes(s)) this.alarm.wake();
  }
}

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
