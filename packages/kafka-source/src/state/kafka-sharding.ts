import type { Offset, ShardBatch, ShardCommit, ShardState, StateSharding } from "@skp/core";
import type { Admin, Kafka, Producer } from "kafkajs";
import { kafkaErrors } from "../errors.js";
import { FetchReader } from "../fetch/fetch-reader.js";
import type { KafkajsInternals } from "../fetch/kafkajs-internals.js";
import type { GroupOffsets } from "../group-offsets.js";
import type { LandedRange } from "../group-planner.js";
import type { KafkaRow } from "../kafka-row.js";
import type { CommitMarker } from "./changelog-format.js";
import { encodeBatch } from "./changelog-format.js";
import { changelogTopic, ensureChangelog } from "./changelog-topics.js";
import { ShardLog } from "./shard-log.js";

/** Changes since a shard's last snapshot before the next may be taken (see `commit`). */
const SNAPSHOT_AFTER = 20_000;

/** What the sharding needs of the source: its connection's parts, once the source is open. */
export interface ShardingHost {
  readonly kafka: Kafka;
  readonly internals: KafkajsInternals | undefined;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fetchTimeoutMs: number;
  admin(): Admin;
  /** The ranges whose claims landed for the batch with this claim id (the last `getBatch`). */
  landed(claim: string): readonly LandedRange[];
  owns(topic: string, partition: number): boolean;
}

/**
 * State shards on Kafka (Kafka Streams' changelog topics): one partition of
 * `<groupId>-<operator>-changelog` per input partition holds that shard's state changes, each batch's
 * written once its sink output is committed and followed by a commit marker named by the batch's claim
 * (see changelog-format.ts). A claim fences the shard: only the process whose claim on the partition
 * landed writes its changelog, and the next owner starts only once the log ends with the commit of the
 * claim the group last committed (the planner asks `ready` first) — so a shard's state, and its
 * watermark, move with the partition, all or nothing.
 */
export class KafkaSharding implements StateSharding {
  private readonly logs = new Map<number, ShardLog>();
  private readonly readers: FetchReader[] = [];
  private producer: Producer | undefined;
  private dueShards: ReadonlySet<number> = new Set();
  /** Shards the runtime holds (none before its first batch). */
  private heldShards: ReadonlySet<number> = new Set();
  /** Per shard, records written since its last snapshot (a restore reads at most about that much beyond the state). */
  private readonly sinceSnapshot = new Map<number, number>();
  restoredRows = 0;
  restoreMs = 0;

  constructor(private readonly host: () => ShardingHost) {}

  async open(operators: readonly { readonly id: number; readonly name: string }[]): Promise<void> {
    const host = this.host();
    if (host.topics.length !== 1) throw kafkaErrors.statefulTopics(host.topics);
    const [input] = host.topics as [string];
    if (!host.internals)
      throw kafkaErrors.badOption("client", "not kafkajs", "a kafkajs client: state shards are read through skp's fetch path");
    const partitions = (await host.admin().fetchTopicOffsets(input)).length;
    for (const op of operators) {
      const topic = changelogTopic(host.groupId, op.name);
      await ensureChangelog(host.admin(), host.internals, topic, partitions);
      const reader = new FetchReader(host.internals, [topic], host.fetchTimeoutMs);
      await reader.start();
      this.readers.push(reader);
      this.logs.set(op.id, new ShardLog(reader, () => this.host().admin(), topic));
    }
    this.producer = host.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
  }

  shardOf(row: object): number {
    return (row as KafkaRow).partition;
  }

  /** Whether every operator's log ends with the commit of `token` on this shard (null: nothing to wait for). */
  async ready(shard: number, token: string | null): Promise<boolean> {
    if (token === null) return true;
    for (const log of this.logs.values()) if ((await log.lastCommit(shard)) !== token) return false;
    return true;
  }

  due(expiring: readonly number[], held: readonly number[]): void {
    this.dueShards = new Set(expiring);
    this.heldShards = new Set(held);
  }

  /** Whether the next plan covers the shard even without new rows: it expires state, or is not held yet. */
  wants(shard: number): boolean {
    return this.dueShards.has(shard) || !this.heldShards.has(shard);
  }

  async shardsOf(end: Offset): Promise<readonly ShardBatch[]> {
    const offsets = end as GroupOffsets;
    const out: ShardBatch[] = [];
    for (const { topic, partition, replayed, movedOn } of this.host().landed(offsets.claim)) {
      const base = offsets.from[topic]?.[partition]?.[1] ?? null;
      // A replayed batch's changes are in the log if its commit is there — or if the partition was
      // claimed since: a claim needs the last claim's commit first (see the planner's gate).
      const durable = replayed && (movedOn || (await this.ready(partition, offsets.claim)));
      out.push({ shard: partition, token: offsets.claim, base, durable, restore: () => this.restore(partition, base) });
    }
    return out.sort((a, b) => a.shard - b.shard);
  }

  owns(shard: number): boolean {
    const host = this.host();
    return host.topics.some((t) => host.owns(t, shard));
  }

  async commit(batchId: number, shards: readonly ShardCommit[]): Promise<void> {
    if (shards.length === 0) return;
    const messages = new Map<number, ReturnType<typeof encodeBatch>>([...this.logs.keys()].map((id) => [id, []]));
    const markers = new Map<number, CommitMarker>();
    for (const s of shards) {
      const written = this.sinceSnapshot.get(s.shard) ?? 0;
      let changed = 0;
      for (const list of s.changes.values()) changed += list.length;
      // Snapshot once the changes since the last one outnumber the state twice over (and 20,000 records):
      // a restore then reads about three times the state at most, whatever the log's age.
      const entries = written + changed >= SNAPSHOT_AFTER ? new Map([...s.entries()].map(([id, it]) => [id, [...it]])) : undefined;
      let size = 0;
      if (entries) for (const list of entries.values()) size += list.length;
      const snapshot = entries !== undefined && written + changed >= 2 * size;
      const inputs = s.inputs && Object.keys(s.inputs).length > 0 ? { inputs: s.inputs } : {};
      const marker: CommitMarker = { token: s.token, batchId, watermark: s.watermark, ...(snapshot ? { snapshot } : {}), ...inputs };
      markers.set(s.shard, marker);
      for (const [id, list] of messages)
        list.push(...encodeBatch(s.shard, snapshot ? (entries?.get(id) ?? []) : (s.changes.get(id) ?? []), marker));
      this.sinceSnapshot.set(s.shard, snapshot ? size + 1 : written + changed + 1);
    }
    const topicMessages = [...this.logs].map(([id, log]) => ({ topic: log.topic, messages: messages.get(id) ?? [] }));
    const written = (await this.producer?.sendBatch({ topicMessages, acks: -1 })) ?? [];
    // What this process wrote need not be read back to know the log's last commit.
    for (const [id, log] of this.logs) {
      const counts = new Map<number, number>();
      for (const m of messages.get(id) ?? []) counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1);
      for (const meta of written) {
        const marker = markers.get(meta.partition);
        const n = counts.get(meta.partition);
        if (meta.topicName !== log.topic || meta.baseOffset === undefined || !marker || !n) continue;
        const first = Number(meta.baseOffset);
        log.wrote(meta.partition, first, first + n - 1, marker);
      }
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => {});
    await Promise.all(this.readers.map((r) => r.stop()));
  }

  /** The shard's state after batch `token` — the last its log holds (null: a partition never claimed, empty). */
  private async restore(shard: number, token: string | null): Promise<ShardState> {
    const t0 = performance.now();
    const operators = new Map<number, Map<string, unknown>>();
    let watermark: ShardState["watermark"] = { watermarkMs: 0, operatorWatermarks: {} };
    let inputs: ShardState["inputs"];
    this.sinceSnapshot.set(shard, 0);
    if (token === null) return { operators, watermark };
    for (const [id, log] of this.logs) {
      const restored = await log.restore(shard);
      if (restored.marker?.token !== token) throw kafkaErrors.commitMissing(log.topic, shard, token, restored.marker?.token);
      operators.set(id, restored.entries);
      this.restoredRows += restored.entries.size;
      this.sinceSnapshot.set(shard, Math.max(this.sinceSnapshot.get(shard) ?? 0, restored.sinceSnapshot));
      watermark = restored.marker.watermark;
      inputs = restored.marker.inputs;
    }
    this.restoreMs += performance.now() - t0;
    return { operators, watermark, inputs };
  }
}
