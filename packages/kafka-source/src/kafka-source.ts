import type { Exchange, ReadLimit, Source, StateSharding } from "@skp/core";
import { any, binary, int, long, string, timestamp } from "@skp/core";
import type { Connection } from "./connection.js";
import { openConnection } from "./connection.js";
import { kafkaErrors } from "./errors.js";
import type { KafkajsInternals } from "./fetch/kafkajs-internals.js";
import { kafkajsInternals } from "./fetch/kafkajs-internals.js";
import type { GroupOffsets } from "./group-offsets.js";
import { GroupPlanner } from "./group-planner.js";
import type { KafkaRow } from "./kafka-row.js";
import { fixKafkajsIdleTimers } from "./kafkajs-idle-fix.js";
import type { KafkaOffsets, PartitionRange } from "./offsets.js";
import { forEachPartition, get, limitOffsets, ranges, sameOffsets } from "./offsets.js";
import type { KafkaSourceOptions, ResolvedOptions } from "./options.js";
import { resolveOptions } from "./options.js";
import { concatRanges, Prefetcher } from "./prefetch.js";
import { KafkaExchange } from "./state/kafka-exchange.js";
import { KafkaSharding } from "./state/kafka-sharding.js";
import { tpKey } from "./topic-partition.js";

export type { KafkaSourceOptions };

type KafkaOffset = KafkaOffsets | GroupOffsets;

/**
 * Reads Kafka topics as a streaming source, Spark-style: rows `{ key, value, topic, partition, offset,
 * timestamp, headers }`; offsets live in the skp checkpoint (the source of truth), any planned range is
 * replayed exactly, and committed offsets are also reported to `groupId` for lag tools.
 *
 * @example
 * readStream(kafkaSource({ brokers: ["localhost:9092"], topic: "events" })).parseJson(schema)
 */
export function kafkaSource(options: KafkaSourceOptions): Source<KafkaRow, KafkaOffset> {
  fixKafkajsIdleTimers();
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
  private readonly listeners = new Set<() => void>();
  private watching = false;
  /** Where an idle query stands, while the watch should go on. */
  private watchFrom: KafkaOffsets | undefined;
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
    const ends = planner.ends(end);
    this.reportLag(ends, offsets.knownHighs(), planner.ownedPartitions(end));
    if (sameOffsets(ends, planner.ends(start))) this.watch(ends);
    else this.watchFrom = undefined;
    return end;
  }

  /**
   * With the watch on, an idle query checks the brokers every 2 s at most: the watch wakes it when data
   * comes (a Kafka broker answers the held fetch at once; librdkafka's mock after the full wait). Not
   * with `groupId`: there the checks also pick up partitions the group moves to this process.
   */
  idlePollIntervalMs(): number | undefined {
    const c = this.connection;
    return c?.watcher && !c.member ? Math.max(2_000, 2 * this.options.fetchMaxWaitMs) : undefined;
  }

  /** The engine's wake-up for the default trigger: called when a watched partition gets data. */
  onDataAvailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Nothing new: watch the partitions from where the query stands, and wake it when data comes. The
   * watch is renewed while the query stays idle (each fetch is held up to `fetchMaxWaitMs`), so a long
   * poll interval never delays a wake-up; a failed watch waits that long before the next.
   */
  private watch(from: KafkaOffsets): void {
    const watcher = this.connection?.watcher;
    if (!watcher || this.listeners.size === 0) return;
    this.watchFrom = from;
    if (this.watching) return;
    this.watching = true;
    void (async () => {
      while (this.watchFrom && this.listeners.size > 0 && this.connection?.watcher === watcher) {
        const t0 = Date.now();
        const found = await watcher.watch(this.watchFrom);
        if (found) {
          this.watchFrom = undefined;
          for (const listener of [...this.listeners]) listener();
        } else if (Date.now() - t0 < this.options.fetchMaxWaitMs / 2) {
          await new Promise((r) => setTimeout(r, this.options.fetchMaxWaitMs));
        }
      }
      this.watching = false;
    })();
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
    await Promise.all([c?.reader.stop(), c?.member?.stop(), c?.watcher?.stop()]);
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
    this.connection = await openConnection(this.options, this.internals);
    if (this.connection.planner instanceof GroupPlanner) this.connection.planner.shards = this.stateShards;
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
