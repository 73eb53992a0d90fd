import { setTimeout as delay } from "node:timers/promises";
import { SkpError } from "@skp/core";
import { kafkaErrors } from "../errors.js";
import type { KafkaRow, OffsetReader } from "../kafka-row.js";
import type { PartitionRange } from "../offsets.js";
import type { PartitionStream } from "../partition-streams.js";
import { Alarm, PartitionStreams, StallClock, streamAt } from "../partition-streams.js";
import { tpKeyOf } from "../topic-partition.js";
import { readableEnd, sendFetch } from "./fetch-request.js";
import type { FetchResponse } from "./fetch-response.js";
import type { InternalCluster, KafkajsInternals } from "./kafkajs-internals.js";
import { decodeRecordBatches, RecordFormatError } from "./record-batches.js";

interface Stream extends PartitionStream {
  /** Recent fetched bytes per record, to size the next fetch to the range (0 before the first). */
  bytesPerRecord: number;
  /** At least this many bytes per fetch: the size of a batch that came back cut. */
  minBytes: number;
}

const READ_COMMITTED = 1;
/** How long the broker may hold a fetch for data not yet written (it answers at once when there is some). */
const MAX_WAIT_MS = 100;
const MAX_PARTITION_BYTES = 8 << 20;
const FIRST_FETCH_BYTES = 1 << 20;

/**
 * Reads exact offset ranges by sending Fetch requests itself, through kafkajs' own cluster (metadata,
 * leaders, connections, TLS and SASL), and decoding the record batches straight into rows. The
 * kafkajs consumer decodes each message into an object with string offsets, `Long` arithmetic and a
 * decoder object per record before a row is built from it; here one pass over the fetched bytes builds
 * the rows, which halves what reading costs. No consumer group is joined: a range is read from its
 * partition's leader at exactly its offsets.
 */
export class FetchReader implements OffsetReader {
  readonly highWatermarks = new Map<string, number>();
  private cluster: InternalCluster | undefined;
  private readonly streams = new PartitionStreams<Stream>((r) => ({ ...streamAt(r), bytesPerRecord: 0, minBytes: 0 }));
  private stopped = false;
  private readonly alarm = new Alarm();

  constructor(
    private readonly internals: KafkajsInternals,
    private readonly topics: readonly string[],
    private readonly stallTimeoutMs: number,
  ) {}

  async start(): Promise<void> {
    const cluster = this.internals.createCluster({
      isolationLevel: READ_COMMITTED,
      allowAutoTopicCreation: false,
      metadataMaxAge: 300_000,
    });
    this.cluster = cluster;
    await cluster.connect();
    await cluster.addMultipleTargetTopics([...this.topics]);
  }

  async read(ranges: readonly PartitionRange[]): Promise<KafkaRow[][]> {
    const streams = this.streams.position(ranges);
    const clock = new StallClock(this.stallTimeoutMs);
    let backoff = 100;
    let lastError: unknown;
    for (;;) {
      const pending = streams.filter((s) => s.cursor < s.until);
      if (pending.length === 0) break;
      if (this.stopped) throw kafkaErrors.stopped();
      const left = clock.check(streams, lastError);
      const attempt = this.fetchOnce(pending);
      attempt.catch((e: unknown) => {
        lastError = e;
      }); // also an error that arrives after the deadline
      try {
        // kafkajs retries connecting inside one attempt for many seconds: bound it by the stall timeout.
        await withDeadline(attempt, left);
        backoff = 100;
      } catch (e) {
        if (this.stopped) throw kafkaErrors.stopped();
        if (e !== DEADLINE && !isRetriable(e)) throw e;
        lastError ??= e;
        // Broker down, leadership moved, a connection dropped: refresh metadata and try again, until
        // the stall timeout says the partition is unreachable.
        await this.alarm.sleep(Math.min(backoff, left));
        backoff = Math.min(backoff * 2, 2_000);
        await withDeadline(this.cluster!.refreshMetadata(), Math.max(0, clock.remaining())).catch(() => {});
      }
    }
    return streams.map((s) => this.streams.take(s));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.alarm.wake();
    await this.cluster?.disconnect().catch(() => {});
  }

  /** One Fetch per leader for the partitions still short of their range end, in parallel. */
  private async fetchOnce(pending: Stream[]): Promise<void> {
    const cluster = this.cluster!;
    const byLeader = new Map<string, Stream[]>();
    for (const s of pending) {
      const leader = Object.keys(cluster.findLeaderForPartitions(s.topic, [s.partition]))[0];
      if (leader === undefined) throw retriable(`no leader known for ${s.topic}-${s.partition}`);
      const led = byLeader.get(leader);
      if (led) led.push(s);
      else byLeader.set(leader, [s]);
    }
    await Promise.all(
      [...byLeader].map(async ([nodeId, streams]) => {
        const offsets = new Map(streams.map((s) => [tpKeyOf(s), s.cursor]));
        const broker = await cluster.findBroker({ nodeId });
        const asked = streams.map((s) => ({ topic: s.topic, partition: s.partition, fetchOffset: s.cursor, maxBytes: fetchBytes(s) }));
        const response = await sendFetch(this.internals, broker, asked, MAX_WAIT_MS);
        if (response.errorCode !== 0) throw this.internals.protocolError(response.errorCode);
        for (const p of response.partitions) await this.accept(p, offsets.get(tpKeyOf(p)));
      }),
    );
  }

  /**
   * Appends a fetched partition's rows to its stream and moves the stream's cursor past them — if the
   * stream still stands where this fetch started: an attempt that outlived its deadline may answer
   * after a newer one read the same offsets.
   */
  private async accept(p: FetchResponse["partitions"][number], fetchedAt: number | undefined): Promise<void> {
    const s = this.streams.get(p.topic, p.partition);
    if (!s || s.cursor !== fetchedAt) return;
    if (p.errorCode !== 0) {
      const error = this.internals.protocolError(p.errorCode);
      if (error.type === "OFFSET_OUT_OF_RANGE") throw kafkaErrors.offsetOutOfRange(p.topic, p.partition, fetchedAt);
      throw error;
    }
    // Read committed: what can be read ends at the last stable offset (below an open transaction),
    // which is what batches may be planned up to — as the brokers' ListOffsets answers the source.
    const end = readableEnd(p);
    const key = tpKeyOf(p);
    if (end > (this.highWatermarks.get(key) ?? -1)) this.highWatermarks.set(key, end);
    const rows: KafkaRow[] = [];
    const { next, needBytes } = await decodeRecordBatches(p.records, p.topic, p.partition, fetchedAt, p.aborted, rows);
    if (this.streams.get(p.topic, p.partition) !== s || s.cursor !== fetchedAt) return;
    // `next` covers gaps (compaction, transaction markers, aborted batches): everything below it was read.
    if (next > fetchedAt) {
      if (s.rows.length === 0) s.rows = rows;
      else for (const row of rows) s.rows.push(row);
      s.bytesPerRecord = p.records.length / Math.max(1, rows.length, Math.min(next, s.until) - fetchedAt);
      s.cursor = next;
      s.minBytes = 0;
    } else if (needBytes > 0) {
      // A batch larger than the byte limit came back cut (a broker returns a whole oversized batch only
      // for the first partition of a response): ask for all of it next time.
      s.minBytes = needBytes;
    }
  }
}

/** Bytes to ask a partition for: about what the rest of its range takes, so a fetch reads little past it. */
function fetchBytes(s: Stream): number {
  const want =
    s.bytesPerRecord === 0
      ? FIRST_FETCH_BYTES
      : Math.min(MAX_PARTITION_BYTES, Math.max(65_536, Math.ceil((s.until - s.cursor) * s.bytesPerRecord * 1.1 + 16_384)));
  return Math.max(want, s.minBytes);
}

const DEADLINE = new Error("no answer from the broker in time");

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      work,
      delay(ms, undefined, { signal: timer.signal }).then(() => {
        throw DEADLINE;
      }),
    ]);
  } finally {
    timer.abort();
  }
}

function retriable(message: string): Error {
  return Object.assign(new Error(message), { retriable: true });
}

/**
 * Worth another try: kafkajs' network errors, and protocol errors it marks retriable (leadership moved,
 * a partition not yet available). kafkajs wraps errors its own retries gave up on (a broker that
 * refused connections for a while): their cause decides. Decoding errors and skp's are final; a
 * stall timeout bounds the retries either way.
 */
function isRetriable(e: unknown): boolean {
  if (e instanceof RecordFormatError || e instanceof SkpError || !(e instanceof Error)) return false;
  const err = e as Error & { retriable?: boolean };
  if (err.name === "KafkaJSProtocolError") return err.retriable === true;
  if (err.name === "KafkaJSNumberOfRetriesExceeded" || err.name === "KafkaJSNonRetriableError")
    return err.cause !== undefined && err.cause !== e && isRetriable(err.cause);
  return err.retriable === true || err.name.startsWith("KafkaJS");
}
