import type { Exchange, ReadLimit, Source, StateSharding } from "@skp/core";
import { any, binary, int, long, SkpError, string, timestamp } from "@skp/core";
import type { Admin } from "kafkajs";
import { BrokerOffsets } from "./broker-offsets.js";
import { kafkaErrors } from "./errors.js";
import { FetchReader } from "./fetch/fetch-reader.js";
import type { KafkajsInternals } from "./fetch/kafkajs-internals.js";
import { kafkajsInternals } from "./fetch/kafkajs-internals.js";
import { GroupMember } from "./group-member.js";
import type { GroupOffsets } from "./group-offsets.js";
import { GroupPlanner } from "./group-planner.js";
import type { KafkaRow, OffsetReader } from "./kafka-row.js";
import type { KafkaOffsets, PartitionRange } from "./offsets.js";
import { forEachPartition, get, limitOffsets, ranges } from "./offsets.js";
import type { KafkaSourceOptions, ResolvedOptions } from "./options.js";
import { resolveOptions } from "./options.js";
import type { BatchPlanner } from "./planner.js";
import { startingOffsetOf } from "./planner.js";
import { concatRanges, Prefetcher } from "./prefetch.js";
import { RangeReader } from "./range-reader.js";
import { KafkaExchange } from "./state/kafka-exchange.js";
import { KafkaSharding } from "./state/kafka-sharding.js";
import { StaticPlanner } from "./static-planner.js";
import { tpKey } from "./topic-partition.js";

export type { KafkaSourceOptions };

type KafkaOffset = KafkaOffsets | GroupOffsets;

/** What `open()` connects and the last `stop()` disconnects. */
interface Connection {
  readonly admin: Admin;
  readonly offsets: BrokerOffsets;
  readonly reader: OffsetReader;
  readonly member: GroupMember | undefined;
  readonly planner: BatchPlanner<KafkaOffset>;
}

/**
 * Reads Kafka topics as a streaming source, Spark-style: rows `{ key, value, topic, partition, offset,
 * timestamp, headers }`; offsets live in the skp checkpoint (the source of truth), any planned range is
 * replayed exactly, and committed offsets are also reported to `groupId` for lag tools.
 *
 * @example
 * readStream(kafkaSource({ brokers: ["localhost:9092"], topic: "events" })).parseJson(schema)
 */
export function kafkaSource(options: KafkaSourceOptions): Source<KafkaRow, KafkaOffset> {
  return new KafkaSource(resolveOptions(options));
}

/**
 * The source's parts, as Spark's connector splits them: a planner decides each batch's offsets
 * (static: every partition; group: the partitions the group assigns, claimed), `BrokerOffsets` caches
 * the log boundaries, a reader fetches exact ranges and a prefetcher reads the next batch ahead.
 * Several queries may share one instance: it connects on the first `open()` and disconnects on the
 * last `stop()`.
 */
export class KafkaSource implements Source<KafkaRow, KafkaOffset> {
  readonly description: string;
  readonly identity: string;
  readonly fields = {
    key: binary().nullable(),
    value: binary().nullable(),
    topic: string(),
    partition: int(),
    offset: long(),
    timestamp: timestamp(),
    headers: any(),
  };

  private readonly internals: KafkajsInternals | undefined;
  private connection: Connection | undefined;
  private users = 0;
  private opening: Promise<void> | undefined;
  /** One read at a time: several queries may share this source, and the prefetch runs in between. */
  private readLock: Promise<unknown> = Promise.resolve();
  private readonly prefetcher = new Prefetcher((r) => this.serializedRead(r));
  /** A stateful query's shards, made when the runtime asks (`sharding()`); wired to the planner on connect. */
  private stateShards: KafkaSharding | undefined;
  private readonly stats = { dataLossOffsets: 0, avgOffsetsBehindLatest: 0, maxOffsetsBehindLatest: 0, ownedPartitions: 0 };

  constructor(
    private readonly options: ResolvedOptions,
    /** Names this source's state topics after (default its group id): a repartition reader's are its query's. */
    private readonly stateNamespace = options.groupId,
  ) {
    const { topics, reader, kafka } = options;
    this.description = `KafkaSource[${topics.join(",")}]`;
    this.identity = `KafkaSource[${[...topics].sort().join(",")}]`;
    this.internals = reader === "consumer" ? undefined : kafkajsInternals(kafka);
    if (reader === "fetch" && !this.internals)
      throw kafkaErrors.badOption(
        "reader",
        "fetch",
        '"consumer": this client is not kafkajs, so records are read through its consumer API',
      );
  }

  async open(): Promise<void> {
    this.users++;
    await (this.opening ??= this.connect().catch((e) => {
      this.opening = undefined;
      throw e;
    }));
  }

  initialOffset(): Promise<KafkaOffset> {
    return this.connected().planner.initialOffset();
  }

  async latestOffset(start: KafkaOffset, limit: ReadLimit): Promise<KafkaOffset> {
    const { planner, offsets } = this.connected();
    if (!planner.owns(start)) throw kafkaErrors.modeChanged(this.options.groupId !== undefined);
    const end = await planner.latestOffset(start, limit);
    this.reportLag(planner.ends(end), offsets.knownHighs(), planner.ownedPartitions(end));
    return end;
  }

  async getBatch(start: KafkaOffset, end: KafkaOffset): Promise<KafkaRow[]> {
    const { planner, offsets } = this.connected();
    const { failOnDataLoss, prefetchOffsets, maxOffsetsPerTrigger } = this.options;
    // Low watermarks move only with retention: the ones latestOffset just fetched are fresh enough.
    const w = await offsets.recent(1_000);
    const plan = await planner.ranges(start, end);
    for (const r of plan.ranges) {
      const low = w.get(tpKey(r.topic, r.partition))?.low ?? 0;
      if (r.from < low) {
        if (failOnDataLoss) throw kafkaErrors.dataLoss(r.topic, r.partition, r.from, low);
        this.stats.dataLossOffsets += Math.min(low, r.until) - r.from;
        r.from = Math.min(low, r.until);
      }
    }
    const rows = concatRanges(await this.prefetcher.get(plan.ranges.filter((r) => r.until > r.from)));
    if (prefetchOffsets > 0) {
      // The backlog after this batch, as the next trigger will likely plan it.
      const { ends } = plan;
      const earliest = (t: string, p: number) => offsets.earliest(t, p);
      const next = limitOffsets(ends, offsets.knownHighs(), Math.min(prefetchOffsets, maxOffsetsPerTrigger ?? Infinity), earliest);
      this.prefetcher.prefetch(
        ranges(ends, next, earliest).filter((r) => r.until > r.from && get(ends, r.topic, r.partition) !== undefined),
      );
    }
    return rows;
  }

  /** With `groupId`: state shards on changelog topics, so a stateful query's state moves with its partitions. */
  sharding(): StateSharding | undefined {
    const groupId = this.options.groupId;
    if (groupId === undefined) return undefined;
    this.stateShards ??= new KafkaSharding(() => {
      const { admin, member, planner } = this.connected();
      const o = this.options;
      return {
        kafka: o.kafka,
        internals: this.internals,
        groupId: this.stateNamespace ?? groupId,
        topics: o.topics,
        fetchTimeoutMs: o.fetchTimeoutMs,
        admin: () => admin,
        landed: (claim) => (planner instanceof GroupPlanner ? planner.landed(claim) : []),
        owns: (topic, partition) => member?.owns(topic, partition) ?? false,
      };
    });
    if (this.connection?.planner instanceof GroupPlanner) this.connection.planner.shards = this.stateShards;
    return this.stateShards;
  }

  /**
   * With `groupId`, unless `coPartitioned`: the repartition topic a stateful query's rows go through
   * to the process that owns their grouping key (see state/kafka-exchange.ts).
   */
  exchange(): Exchange | undefined {
    const o = this.options;
    const groupId = o.groupId;
    if (groupId === undefined || o.coPartitioned) return undefined;
    const [input] = o.topics;
    if (o.topics.length !== 1 || input === undefined) throw kafkaErrors.statefulTopics(o.topics);
    return new KafkaExchange({
      kafka: o.kafka,
      internals: this.internals,
      groupId,
      input,
      reader: (topic, group, namespace) =>
        new KafkaSource(
          { ...o, topics: [topic], groupId: group, startingOffsets: "earliest", maxOffsetsPerTrigger: undefined, coPartitioned: true },
          namespace,
        ),
    });
  }

  /** Nothing to do: offsets live in the checkpoint; a grouped query's claims are its group commits. */
  commit(): void {}

  async stop(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0) return;
    const c = this.connection;
    this.connection = undefined;
    this.opening = undefined;
    await this.stateShards?.close();
    await Promise.all([c?.reader.stop(), c?.member?.stop()]);
    await c?.admin.disconnect().catch(() => {});
  }

  /** The brokers' high watermarks as last seen, per partition: `{ topic: { partition: offset } }`. */
  reportLatestOffset(): KafkaOffsets | undefined {
    return this.connection?.offsets.knownHighs();
  }

  metrics(): Record<string, number> {
    const planner = this.connection?.planner;
    const shards = this.stateShards;
    return {
      ...this.stats,
      claimsRefused: planner?.claimsRefused ?? 0,
      ...(shards ? { stateRowsRestored: shards.restoredRows, stateRestoreMs: Math.round(shards.restoreMs) } : {}),
      ...(planner instanceof GroupPlanner && shards ? { partitionsRestoring: planner.restoring.size } : {}),
    };
  }

  private async connect(): Promise<void> {
    const o = this.options;
    let admin: Admin | undefined, reader: OffsetReader | undefined, member: GroupMember | undefined;
    try {
      admin = o.kafka.admin({ retry: { retries: o.retries, initialRetryTime: 300 } });
      await admin.connect();
      // Listing (unlike a metadata request for one topic) never auto-creates a topic on the broker.
      const existing = new Set(await admin.listTopics());
      for (const topic of o.topics) if (!existing.has(topic)) throw kafkaErrors.unknownTopic(topic);
      const theAdmin = admin;
      reader = this.internals
        ? new FetchReader(this.internals, o.topics, o.fetchTimeoutMs)
        : new RangeReader(o.kafka, o.topics, `skp-reader-${crypto.randomUUID()}`, o.fetchTimeoutMs);
      const theReader = reader;
      const offsets = new BrokerOffsets(
        () => theAdmin,
        o.topics,
        () => theReader.highWatermarks,
      );
      await offsets.refresh();
      const startOf = startingOffsetOf(o.startingOffsets);
      const common = { maxOffsetsPerTrigger: o.maxOffsetsPerTrigger, failOnDataLoss: o.failOnDataLoss };
      member =
        o.groupId === undefined
          ? undefined
          : new GroupMember(
              o.kafka,
              o.topics,
              o.groupId,
              { sessionTimeoutMs: o.sessionTimeoutMs, partitionAssigners: o.partitionAssigners },
              () => theAdmin,
            );
      const planner: BatchPlanner<any> = member
        ? new GroupPlanner({ member, offsets, admin: () => theAdmin, initial: startOf, ...common })
        : new StaticPlanner({ offsets, startingOffsets: o.startingOffsets, startOf, ...common });
      await Promise.all([reader.start(), member?.start()]);
      if (planner instanceof GroupPlanner) planner.shards = this.stateShards;
      this.connection = { admin, offsets, reader, member, planner };
    } catch (e) {
      await reader?.stop();
      await member?.stop();
      await admin?.disconnect().catch(() => {});
      if (e instanceof SkpError) throw e;
      throw kafkaErrors.unreachable(o.where, e);
    }
  }

  private connected(): Connection {
    if (!this.connection) throw kafkaErrors.notOpen();
    return this.connection;
  }

  private serializedRead(list: readonly PartitionRange[]): Promise<KafkaRow[][]> {
    const result = this.readLock.then(() => this.connected().reader.read(list));
    this.readLock = result.catch(() => {});
    return result;
  }

  private reportLag(end: KafkaOffsets, highs: KafkaOffsets, owned: number): void {
    let behind = 0,
      worst = 0,
      n = 0;
    forEachPartition(end, (topic, partition, offset) => {
      const lag = Math.max(0, (get(highs, topic, partition) ?? offset) - offset);
      behind += lag;
      worst = Math.max(worst, lag);
      n++;
    });
    this.stats.avgOffsetsBehindLatest = n ? behind / n : 0;
    this.stats.maxOffsetsBehindLatest = worst;
    this.stats.ownedPartitions = owned;
  }
}
