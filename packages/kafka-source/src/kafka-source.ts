import { Kafka, logLevel as kafkaLogLevel } from "kafkajs";
import type { Admin, KafkaConfig, PartitionAssigner } from "kafkajs";
import { any, binary, int, long, string, timestamp } from "@skp/core";
import type { ReadLimit, Source } from "@skp/core";
import { SkpError } from "@skp/core";
import { kafkaErrors } from "./errors.js";
import { batchLimit, capOffsets, carryOver, forEachPartition, get, limitOffsets, rangeEnds, ranges, set, splitPartitionKey } from "./offsets.js";
import type { KafkaOffsets, PartitionRange } from "./offsets.js";
import { GroupMember } from "./group-member.js";
import { GroupPlanner, emptyGroupOffsets, isGroupOffsets } from "./group-planner.js";
import type { GroupOffsets } from "./group-planner.js";
import { Prefetcher, concatRanges } from "./prefetch.js";
import { RangeReader } from "./range-reader.js";
import { FetchReader } from "./fetch/fetch-reader.js";
import { kafkajsInternals } from "./fetch/kafkajs-internals.js";
import type { KafkaRow, OffsetReader } from "./kafka-row.js";

export interface KafkaSourceOptions {
  /** Bootstrap brokers, e.g. `["localhost:9092"]`. Or pass `client`. */
  brokers?: string[];
  /** An existing KafkaJS-compatible client (kafkajs `new Kafka(...)`, or Confluent's KafkaJS-compatible one). */
  client?: Kafka;
  /** Topic to read; or `topics` for several. */
  topic?: string;
  topics?: string[];
  /**
   * Where a NEW query starts (a query with a checkpoint resumes from it instead): `"earliest"`,
   * `"latest"` (default, as Spark), or per partition `{ "events": { "0": 42, "1": -2 } }` (-2 earliest, -1 latest).
   */
  startingOffsets?: "earliest" | "latest" | KafkaOffsets;
  /** At most this many offsets per batch, split across partitions by backlog. */
  maxOffsetsPerTrigger?: number;
  /** Fail when offsets to read were deleted (retention) or went back. Default true; false skips and counts them. */
  failOnDataLoss?: boolean;
  /**
   * Consumer group to join. Processes running the same query with the same `groupId` split the
   * partitions between them (each with its own checkpoint) and hand them over on rebalance without
   * losing or repeating a row; see docs/kafka-source.md#scale-out. Committed offsets also show
   * progress to lag tools. Without it, the query reads every partition itself.
   */
  groupId?: string;
  /** Group session timeout: how long a process that died keeps its partitions. Default 30 s (kafkajs'). */
  sessionTimeoutMs?: number;
  /**
   * With `groupId`: how the group leader splits partitions between processes (kafkajs
   * `partitionAssigners`). Default kafkajs' round robin. Every process of a group must offer a common one.
   */
  partitionAssigners?: PartitionAssigner[];
  /** Client id for brokers' logs and quotas. Default `skp`. */
  clientId?: string;
  /** Connection retries before a clear error (exponential backoff from 300 ms). Default 5. */
  retries?: number;
  /** A partition read that makes no progress for this long fails the batch. Default 30 s. */
  fetchTimeoutMs?: number;
  /**
   * Read the next batch's offsets (at most this many, or `maxOffsetsPerTrigger` if smaller) while the
   * current batch is processed. Default 50,000; 0 turns prefetching off.
   */
  prefetchOffsets?: number;
  /**
   * How records are fetched. `"fetch"` (the default with a kafkajs client): skp sends Fetch requests
   * through kafkajs' connections and decodes record batches straight into rows — no consumer group is
   * joined to read. `"consumer"` (the default, and the only choice, for other KafkaJS-compatible
   * clients): a consumer in a private group, each range read by seeking and pausing.
   */
  reader?: "fetch" | "consumer";
  /** kafkajs log level. Default `"error"`. */
  logLevel?: "nothing" | "error" | "warn" | "info" | "debug";
}

const LOG_LEVELS = { nothing: kafkaLogLevel.NOTHING, error: kafkaLogLevel.ERROR, warn: kafkaLogLevel.WARN, info: kafkaLogLevel.INFO, debug: kafkaLogLevel.DEBUG };

/** Partition watermarks: `low` is the earliest offset still stored, `high` the next offset to be written. */
type Watermarks = Map<string, { low: number; high: number }>;

/**
 * Reads Kafka topics as a streaming source, Spark-style: rows `{ key, value, topic, partition, offset,
 * timestamp, headers }`; offsets live in the skp checkpoint (the source of truth), any planned range is
 * replayed exactly, and committed offsets are also reported to `groupId` for lag tools.
 *
 * @example
 * readStream(kafkaSource({ brokers: ["localhost:9092"], topic: "events" })).parseJson(schema)
 */
export function kafkaSource(options: KafkaSourceOptions): Source<KafkaRow, KafkaOffsets | GroupOffsets> {
  const topics = [...(options.topics ?? []), ...(options.topic ? [options.topic] : [])];
  if (topics.length === 0) throw kafkaErrors.noTopics();
  if (!options.client && !options.brokers?.length) throw kafkaErrors.noBrokers();
  const { startingOffsets = "latest", maxOffsetsPerTrigger, failOnDataLoss = true, groupId, retries = 5, fetchTimeoutMs = 30_000, prefetchOffsets = 50_000, sessionTimeoutMs = 30_000 } = options;
  if (maxOffsetsPerTrigger !== undefined && !(Number.isInteger(maxOffsetsPerTrigger) && maxOffsetsPerTrigger > 0)) {
    throw kafkaErrors.badOption("maxOffsetsPerTrigger", maxOffsetsPerTrigger, "a positive integer");
  }
  if (typeof startingOffsets !== "string" ? typeof startingOffsets !== "object" || startingOffsets === null : !["earliest", "latest"].includes(startingOffsets)) {
    throw kafkaErrors.badStartingOffsets(startingOffsets);
  }
  const where = options.brokers?.join(",") ?? "the given client";
  const config: KafkaConfig = {
    clientId: options.clientId ?? "skp",
    brokers: options.brokers ?? [],
    logLevel: LOG_LEVELS[options.logLevel ?? "error"],
    retry: { retries, initialRetryTime: 300 },
  };
  const kafka = options.client ?? new Kafka(config);
  if (options.reader !== undefined && options.reader !== "fetch" && options.reader !== "consumer") throw kafkaErrors.badOption("reader", options.reader, '"fetch" or "consumer"');
  const internals = options.reader === "consumer" ? undefined : kafkajsInternals(kafka);
  if (options.reader === "fetch" && !internals) throw kafkaErrors.badOption("reader", "fetch", '"consumer": this client is not kafkajs, so records are read through its consumer API');

  let admin: Admin | undefined;
  let reader: OffsetReader | undefined;
  let member: GroupMember | undefined;
  let planner: GroupPlanner | undefined;
  let users = 0;
  let opening: Promise<void> | undefined;
  let readLock: Promise<unknown> = Promise.resolve();
  // One read at a time: several queries may share this source, and the prefetch runs in between.
  const serialized = (ranges: readonly PartitionRange[]): Promise<KafkaRow[][]> => {
    const result = readLock.then(() => reader!.read(ranges));
    readLock = result.catch(() => {});
    return result;
  };
  const prefetcher = new Prefetcher(serialized);
  let lastWatermarks: Watermarks = new Map();
  let lastWatermarksAt = 0;
  const metrics = { dataLossOffsets: 0, avgOffsetsBehindLatest: 0, maxOffsetsBehindLatest: 0, ownedPartitions: 0 };

  async function connect(): Promise<void> {
    try {
      admin = kafka.admin({ retry: { retries, initialRetryTime: 300 } });
      await admin.connect();
      // Listing (unlike a metadata request for one topic) never auto-creates a topic on the broker.
      const existing = new Set(await admin.listTopics());
      for (const topic of topics) if (!existing.has(topic)) throw kafkaErrors.unknownTopic(topic);
      await watermarks();
      reader = internals ? new FetchReader(internals, topics, fetchTimeoutMs) : new RangeReader(kafka, topics, `skp-reader-${crypto.randomUUID()}`, fetchTimeoutMs);
      member = groupId ? new GroupMember(kafka, topics, groupId, { sessionTimeoutMs, partitionAssigners: options.partitionAssigners }, () => admin!) : undefined;
      planner = member ? new GroupPlanner({ member, admin: () => admin!, initial: startOf, maxOffsetsPerTrigger, failOnDataLoss }) : undefined;
      await Promise.all([reader.start(), member?.start()]);
    } catch (e) {
      await reader?.stop();
      await member?.stop();
      await admin?.disconnect().catch(() => {});
      admin = undefined;
      if (e instanceof SkpError) throw e;
      throw kafkaErrors.unreachable(where, e);
    }
  }

  async function watermarks(): Promise<Watermarks> {
    const out: Watermarks = new Map();
    for (const topic of topics) {
      let parts: { partition: number; high: string; low: string }[];
      try {
        parts = await admin!.fetchTopicOffsets(topic);
      } catch (e) {
        if ((e as { type?: string }).type === "UNKNOWN_TOPIC_OR_PARTITION") throw kafkaErrors.unknownTopic(topic);
        throw e;
      }
      if (parts.length === 0) throw kafkaErrors.unknownTopic(topic);
      for (const p of parts) out.set(`${topic}:${p.partition}`, { low: Number(p.low), high: Number(p.high) });
    }
    lastWatermarks = out;
    lastWatermarksAt = Date.now();
    // Only ends reported after this answer may raise it: an older one could be from a deleted topic.
    reader?.highWatermarks.clear();
    return out;
  }

  const asOffsets = (w: Watermarks, pick: "low" | "high"): KafkaOffsets => {
    const out: KafkaOffsets = {};
    for (const [key, v] of w) set(out, ...splitPartitionKey(key), v[pick]);
    return out;
  };
  const earliest = (topic: string, partition: number) => lastWatermarks.get(`${topic}:${partition}`)?.low ?? 0;
  /** Where a partition starts that the checkpoint (or the group) has no offset for: `startingOffsets`. */
  const startOf = (topic: string, partition: number, w: Watermarks): number => {
    const wm = w.get(`${topic}:${partition}`) ?? { low: 0, high: 0 };
    const given = typeof startingOffsets === "object" ? get(startingOffsets, topic, partition) : undefined;
    const pick = given ?? (startingOffsets === "latest" ? -1 : -2);
    return pick === -2 ? wm.low : pick === -1 ? wm.high : pick;
  };
  /** Log ends as last known: the broker's answer at the last refresh, raised by what fetches reported since. */
  const knownHighs = (): KafkaOffsets => {
    const out = asOffsets(lastWatermarks, "high");
    for (const [key, high] of reader?.highWatermarks ?? []) {
      const [topic, partition] = splitPartitionKey(key);
      if (high > (get(out, topic, partition) ?? Infinity)) set(out, topic, partition, high);
    }
    return out;
  };
  /** Whether the known log ends `highs` already hold `max` offsets past `start` (fresh within a second). */
  const fullBatchKnown = (start: KafkaOffsets, highs: KafkaOffsets, max: number | undefined): boolean => {
    if (max === undefined || Date.now() - lastWatermarksAt >= 1_000) return false;
    let backlog = 0;
    forEachPartition(highs, (topic, partition, high) => {
      backlog += Math.max(0, high - (get(start, topic, partition) ?? earliest(topic, partition)));
    });
    return backlog >= max;
  };
  const reportLag = (end: KafkaOffsets, highs: KafkaOffsets) => {
    let behind = 0, worst = 0, n = 0;
    forEachPartition(end, (topic, partition, offset) => {
      const lag = Math.max(0, (get(highs, topic, partition) ?? offset) - offset);
      behind += lag; worst = Math.max(worst, lag); n++;
    });
    metrics.avgOffsetsBehindLatest = n ? behind / n : 0;
    metrics.maxOffsetsBehindLatest = worst;
    metrics.ownedPartitions = member ? member.ownedCount() : n;
  };

  return {
    description: `KafkaSource[${topics.join(",")}]`,
    identity: `KafkaSource[${[...topics].sort().join(",")}]`,
    fields: {
      key: binary().nullable(), value: binary().nullable(), topic: string(), partition: int(),
      offset: long(), timestamp: timestamp(), headers: any(),
    },

    async open() {
      users++;
      await (opening ??= connect().catch((e) => { opening = undefined; throw e; }));
    },

    async initialOffset(): Promise<KafkaOffsets | GroupOffsets> {
      if (planner) return emptyGroupOffsets();
      const w = await watermarks();
      if (typeof startingOffsets === "object") {
        forEachPartition(startingOffsets, (topic, partition) => {
          if (!w.has(`${topic}:${partition}`)) throw kafkaErrors.badStartingOffsets(startingOffsets);
        });
      }
      const out: KafkaOffsets = {};
      forEachPartition(asOffsets(w, "low"), (topic, partition) => set(out, topic, partition, startOf(topic, partition, w)));
      return out;
    },

    async latestOffset(start: KafkaOffsets | GroupOffsets, limit: ReadLimit): Promise<KafkaOffsets | GroupOffsets> {
      if (isGroupOffsets(start) !== !!planner) throw kafkaErrors.modeChanged(!!planner);
      if (planner) {
        const w = await watermarks();
        const end = await planner.plan(start as GroupOffsets, w, limit);
        reportLag(end.group, asOffsets(w, "high"));
        return end;
      }
      start = start as KafkaOffsets;
      const max = batchLimit(limit, maxOffsetsPerTrigger);
      let highs = knownHighs();
      // Catching up: the fetches' high watermarks already show a full batch, so skip asking the
      // broker (a round trip per trigger). Partitions and lag are still refreshed at least every second.
      if (!fullBatchKnown(start, highs, max)) {
        highs = asOffsets(await watermarks(), "high");
        forEachPartition(start, (topic, partition, from) => {
          const high = get(highs, topic, partition);
          if (high !== undefined && high < from && failOnDataLoss) throw kafkaErrors.offsetsWentBack(topic, partition, from, high);
        });
      }
      let end = limitOffsets(start, highs, max, earliest);
      end = capOffsets(end, limit.upTo as KafkaOffsets | undefined, start, earliest);
      end = carryOver(start, end);
      reportLag(end, highs);
      return end;
    },

    async getBatch(start: KafkaOffsets | GroupOffsets, end: KafkaOffsets | GroupOffsets): Promise<KafkaRow[]> {
      // Low watermarks move only with retention: the ones latestOffset just fetched are fresh enough.
      const w = Date.now() - lastWatermarksAt < 1_000 ? lastWatermarks : await watermarks();
      const plan = isGroupOffsets(end) ? await planner!.claim(end) : ranges(start as KafkaOffsets, end, earliest);
      const ends = isGroupOffsets(end) ? rangeEnds(plan) : end;
      for (const r of plan) {
        const low = w.get(`${r.topic}:${r.partition}`)?.low ?? 0;
        if (r.from < low) {
          if (failOnDataLoss) throw kafkaErrors.dataLoss(r.topic, r.partition, r.from, low);
          metrics.dataLossOffsets += Math.min(low, r.until) - r.from;
          r.from = Math.min(low, r.until);
        }
      }
      const todo = plan.filter((r) => r.until > r.from);
      const rows = concatRanges(await prefetcher.get(todo));
      if (prefetchOffsets > 0) {
        // The backlog after this batch, as the next trigger will likely plan it.
        const cap = Math.min(prefetchOffsets, maxOffsetsPerTrigger ?? Infinity);
        const next = limitOffsets(ends, knownHighs(), cap, earliest);
        prefetcher.prefetch(ranges(ends, next, earliest).filter((r) => r.until > r.from && get(ends, r.topic, r.partition) !== undefined));
      }
      return rows;
    },

    // Nothing to do: offsets live in the checkpoint; a grouped query's claims are its group commits.
    commit(): void {},

    async stop(): Promise<void> {
      users = Math.max(0, users - 1);
      if (users > 0) return;
      const r = reader, a = admin, m = member;
      reader = undefined; admin = undefined; member = undefined; planner = undefined; opening = undefined;
      await Promise.all([r?.stop(), m?.stop()]);
      await a?.disconnect().catch(() => {});
    },

    metrics: () => ({ ...metrics, claimsRefused: planner?.claimsRefused ?? 0 }),
  };
}
