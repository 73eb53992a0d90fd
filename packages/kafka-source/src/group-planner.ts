import type { ReadLimit } from "@skp/core";
import type { Admin } from "kafkajs";
import type { BrokerOffsets, Watermarks } from "./broker-offsets.js";
import { claimState, encodeClaim, newClaimId, nextClaim } from "./claims.js";
import { kafkaErrors } from "./errors.js";
import type { Committed } from "./group-member.js";
import type { GroupOffsets } from "./group-offsets.js";
import { emptyGroupOffsets, isGroupOffsets } from "./group-offsets.js";
import type { KafkaOffsets, PartitionRange } from "./offsets.js";
import { batchLimit, capOffsets, forEachPartition, get, limitOffsets, rangeEnds, set } from "./offsets.js";
import type { BatchPlanner } from "./planner.js";
import { parseTpKey, tpKey, tpKeyOf } from "./topic-partition.js";

/** What the planner needs of the group membership (GroupMember; a fake in tests). */
export interface Membership {
  readonly stable: boolean;
  readonly epoch: number;
  owns(topic: string, partition: number): boolean;
  committed(admin: Admin): Promise<Map<string, Committed>>;
  claim(claims: { topic: string; partition: number; offset: number; metadata: string }[], epoch: number): Promise<boolean>;
  ownedCount(): number;
}

/** A range whose claim landed: `replayed` if it had landed before (a batch run again after a restart). */
export interface LandedRange extends PartitionRange {
  readonly replayed: boolean;
  /** Replayed, and the partition has been claimed again since (by anyone): the batch was finished. */
  readonly movedOn: boolean;
}

/** What the planner asks of a stateful query's shards (see state/kafka-sharding.ts). */
export interface ShardGate {
  /** Whether the shard's log holds the commit of `token`, the claim the group last committed. */
  ready(shard: number, token: string | null): Promise<boolean>;
  /** Whether a shard is due a batch even without new rows (its state expires, or it is not restored yet). */
  wants(shard: number): boolean;
}

export interface GroupPlannerConfig {
  member: Membership;
  /** The brokers' log boundaries (read fresh for every plan). */
  offsets: BrokerOffsets;
  admin: () => Admin;
  /** Where a partition the group never committed starts. */
  initial: (topic: string, partition: number, w: Watermarks) => number;
  maxOffsetsPerTrigger: number | undefined;
  failOnDataLoss: boolean;
}

/**
 * Plans and claims a grouped query's batches (see claims.ts for the protocol): a batch covers only
 * partitions this process owns, each from the group's committed offset, and reads a range only once
 * its claim has landed — on the first run or on a replay after a restart.
 */
export class GroupPlanner implements BatchPlanner<GroupOffsets> {
  /** A stateful query's shards: a partition is planned only once its shard is restorable. */
  shards: ShardGate | undefined = undefined;
  /** Partitions owned but waiting for their shard's log to catch up (the last owner's commit). */
  readonly restoring = new Set<string>();
  /** The ranges whose claims landed in the last `claim`, by its claim id. */
  private lastLanded: { claim: string; ranges: LandedRange[] } = { claim: "", ranges: [] };
  /** Per partition, this process's last landed claim and the membership epoch it landed in. */
  private lastOwn = new Map<string, { id: string; epoch: number }>();
  claimsRefused = 0;

  constructor(private readonly config: GroupPlannerConfig) {}

  async initialOffset(): Promise<GroupOffsets> {
    return emptyGroupOffsets();
  }

  async latestOffset(start: GroupOffsets, limit: ReadLimit): Promise<GroupOffsets> {
    return this.plan(start, await this.config.offsets.refresh(), limit);
  }

  async ranges(_start: GroupOffsets, end: GroupOffsets): Promise<{ ranges: PartitionRange[]; ends: KafkaOffsets }> {
    const landed = await this.claim(end);
    return { ranges: landed, ends: rangeEnds(landed) };
  }

  /** The ranges whose claims landed for the batch with claim id `claim` (the last one claimed). */
  landed(claim: string): readonly LandedRange[] {
    return this.lastLanded.claim === claim ? this.lastLanded.ranges : [];
  }

  ends(end: GroupOffsets): KafkaOffsets {
    return end.group;
  }

  owns(offset: unknown): offset is GroupOffsets {
    return isGroupOffsets(offset);
  }

  ownedPartitions(): number {
    return this.config.member.ownedCount();
  }

  async plan(start: GroupOffsets, w: Watermarks, limit: ReadLimit): Promise<GroupOffsets> {
    const { member, initial, failOnDataLoss } = this.config;
    if (!member.stable) return start;
    const committed = await member.committed(this.config.admin());
    const starts: KafkaOffsets = {},
      highs: KafkaOffsets = {};
    const prior = new Map<string, string | null>();
    // Partitions the group never committed: claimed even with nothing to read, so that where they
    // start ("latest" moves!) is pinned by the first batch.
    const fresh = new Set<string>();
    for (const [key, { high }] of w) {
      const [topic, partition] = parseTpKey(key);
      if (!member.owns(topic, partition)) continue;
      const c = committed.get(key);
      // A stateful query plans a partition only once its shard's log holds the last owner's commit.
      if (this.shards && !(await this.shards.ready(partition, c?.claim?.id ?? null))) {
        this.restoring.add(key);
        continue;
      }
      this.restoring.delete(key);
      let from = c?.offset ?? initial(topic, partition, w);
      if (high < from) {
        if (failOnDataLoss) throw kafkaErrors.offsetsWentBack(topic, partition, from, high);
        from = high;
      }
      set(starts, topic, partition, from);
      set(highs, topic, partition, high);
      prior.set(key, c?.claim?.id ?? null);
      if (c?.offset === undefined) fresh.add(key);
    }
    let end = limitOffsets(starts, highs, batchLimit(limit, this.config.maxOffsetsPerTrigger), (t, p) => get(starts, t, p)!);
    const upTo = isGroupOffsets(limit.upTo) ? limit.upTo.group : undefined;
    if (upTo) end = capOffsets(end, upTo, starts, (t, p) => get(starts, t, p)!);
    const out: GroupOffsets = { group: {}, claim: newClaimId(), from: {} };
    forEachPartition(end, (topic, partition, until) => {
      const from = get(starts, topic, partition)!;
      // Claimed even with nothing to read: partitions never committed (to pin where they start), and
      // shards whose state the watermark expires or that are not restored yet (fenced like any batch).
      if (until <= from && !fresh.has(tpKey(topic, partition)) && !this.shards?.wants(partition)) return;
      set(out.group, topic, partition, until);
      (out.from[topic] ??= {})[partition] = [from, prior.get(tpKey(topic, partition)) ?? null];
    });
    return Object.keys(out.group).length > 0 ? out : start;
  }

  /** The ranges of `end` this batch may read: those whose claim landed, claiming them now if needed. */
  async claim(end: GroupOffsets): Promise<PartitionRange[]> {
    const { member } = this.config;
    const epoch = member.epoch;
    const committed = await member.committed(this.config.admin());
    const landed: LandedRange[] = [],
      toClaim: { range: PartitionRange; metadata: string }[] = [];
    for (const topic of Object.keys(end.from)) {
      for (const [p, [from, prior]] of Object.entries(end.from[topic]!)) {
        const partition = Number(p),
          key = tpKey(topic, partition);
        const range = { topic, partition, from, until: end.group[topic]![partition]! };
        const now = committed.get(key);
        const state = claimState(end.claim, prior, now?.claim);
        if (state === "unknown") throw kafkaErrors.claimUnresolvable(topic, partition, end.claim);
        if (state === "landed") {
          landed.push({ ...range, replayed: true, movedOn: now?.claim?.id !== end.claim });
          continue;
        }
        // Claimable only if nobody claimed since the plan, and the group still assigns it to us.
        const untouched = (now?.offset ?? from) === from && (now?.claim?.id ?? null) === prior;
        if (!untouched || !member.owns(topic, partition)) continue;
        const own = this.lastOwn.get(key);
        const continuing = own !== undefined && own.id === now?.claim?.id && own.epoch === epoch;
        toClaim.push({ range, metadata: encodeClaim(nextClaim(end.claim, now?.claim, continuing)) });
      }
    }
    const ok = await member.claim(
      toClaim.map(({ range, metadata }) => ({ topic: range.topic, partition: range.partition, offset: range.until, metadata })),
      epoch,
    );
    if (ok) landed.push(...toClaim.map((c) => ({ ...c.range, replayed: false, movedOn: false })));
    else this.claimsRefused += toClaim.length;
    for (const r of landed) this.lastOwn.set(tpKeyOf(r), { id: end.claim, epoch });
    landed.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    this.lastLanded = { claim: end.claim, ranges: landed };
    return landed;
  }
}
