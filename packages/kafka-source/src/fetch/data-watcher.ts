import type { KafkaOffsets } from "../offsets.js";
import { forEachPartition } from "../offsets.js";
import { tpKey } from "../topic-partition.js";
import type { FetchPartition } from "./fetch-request.js";
import { readableEnd, sendFetch } from "./fetch-request.js";
import type { InternalCluster, KafkajsInternals } from "./kafkajs-internals.js";

/** Enough to learn that a partition has a record past the offset: a broker returns one whole batch anyway. */
const WATCH_BYTES = 1;

/**
 * Wakes an idle query the moment its partitions get data, with Kafka's long poll: a Fetch at the
 * offsets the query has read up to, which the broker holds up to `maxWaitMs` and answers as soon as
 * any of them has a record. It runs on its own kafkajs cluster (its own connections), so a held fetch
 * never delays the reads of a batch; what it fetches is only a signal — the batch reads the records.
 */
export class DataWatcher {
  private cluster: InternalCluster | undefined;
  private stopped = false;
  /** Fetches sent: a test's way to see the watcher is not a busy loop. */
  fetches = 0;

  constructor(
    private readonly internals: KafkajsInternals,
    private readonly topics: readonly string[],
    private readonly maxWaitMs: number,
    /** Hears the readable end of each partition that has data (what the next batch can plan up to). */
    private readonly onData: (key: string, high: number) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const cluster = this.internals.createCluster({ isolationLevel: 1, allowAutoTopicCreation: false, metadataMaxAge: 300_000 });
    await cluster.connect();
    await cluster.addMultipleTargetTopics([...this.topics]);
    this.cluster = cluster;
  }

  /**
   * Resolves true once some partition has data at or past its offset in `from` (false after a wait
   * with none, or on any error: the query's own polling still finds the data).
   */
  async watch(from: KafkaOffsets): Promise<boolean> {
    const cluster = this.cluster;
    if (!cluster || this.stopped) return false;
    const byLeader = new Map<string, FetchPartition[]>();
    forEachPartition(from, (topic, partition, fetchOffset) => {
      const leader = Object.keys(cluster.findLeaderForPartitions(topic, [partition]))[0];
      if (leader === undefined) return;
      const led = byLeader.get(leader) ?? [];
      led.push({ topic, partition, fetchOffset, maxBytes: WATCH_BYTES });
      byLeader.set(leader, led);
    });
    if (byLeader.size === 0) return false;
    // The first leader to answer with data wakes the query; the others' answers are not waited for.
    // A leader that fails counts as one without data: the query's own polling still finds it.
    return new Promise<boolean>((resolve) => {
      let left = byLeader.size;
      const none = () => {
        if (--left === 0) resolve(false);
      };
      for (const [nodeId, partitions] of byLeader) {
        this.fetches++;
        this.ask(cluster, nodeId, partitions).then((found) => (found ? resolve(true) : none()), none);
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.cluster?.disconnect().catch(() => {});
  }

  private async ask(cluster: InternalCluster, nodeId: string, partitions: FetchPartition[]): Promise<boolean> {
    const broker = await cluster.findBroker({ nodeId });
    const response = await sendFetch(this.internals, broker, partitions, this.maxWaitMs);
    const asked = new Map(partitions.map((p) => [tpKey(p.topic, p.partition), p.fetchOffset]));
    let found = false;
    for (const p of response.partitions) {
      const key = tpKey(p.topic, p.partition);
      const at = asked.get(key);
      if (at === undefined || p.errorCode !== 0 || !(p.records.length > 0 || readableEnd(p) > at)) continue;
      found = true;
      this.onData(key, readableEnd(p));
    }
    return found;
  }
}
