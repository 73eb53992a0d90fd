import type { Admin } from "kafkajs";
import type { ReadLimit } from "@skp/core";
import { claimState, encodeClaim, newClaimId, nextClaim } from "./claims.js";
import { kafkaErrors } from "./errors.js";
import type { Committed } from "./group-member.js";
import { batchLimit, capOffsets, forEachPartition, get, limitOffsets, set, splitPartitionKey } from "./offsets.js";
import type { KafkaOffsets, PartitionRange } from "./offsets.js";

/**
 * A grouped query's offsets (what its checkpoint logs per batch): the ranges it planned on the
 * partitions the group assigned to it, and the claim that makes them its own.
 */
export type GroupOffsets = {
  /** Per partition, the end of the planned range (the next offset to read). */
  group: KafkaOffsets;
  /** The batch's claim id ("" before the first batch). */
  claim: string;
  /** Per partition: [range start, the claim id the partition carried when planned, or null]. */
  from: { [topic: string]: { [partition: string]: [number, string | null] } };
};

export const emptyGroupOffsets = (): GroupOffsets => ({ group: {}, claim: "", from: {} });

export function isGroupOffsets(o: unknown): o is GroupOffsets {
  return typeof o === "object" && o !== null && "claim" in o && "group" in o && "from" in o;
}

type Watermarks = Map<string, { low: number; high: number }>;

/** What the planner needs of the group membership (GroupMember; a fake in tests). */
export interface Membership {
  readonly stable: boolean;
  readonly epoch: number;
  owns(topic: string, partition: number): boolean;
  committed(admin: Admin): Promise<Map<string, Committed>>;
  claim(claims: { topic: string; partition: number; offset: number; metadata: string }[], epoch: number): Promise<boolean>;
}

export interface GroupPlannerConfig {
  member: Membership;
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
export class GroupPlanner {
  /** Per partition, this process's last landed claim and the membership epoch it landed in. */
  private lastOwn = new Map<string, { id: string; epoch: number }>();
  claimsRefused = 0;

  constructor(private readonly config: GroupPlannerConfig) {}

  async plan(start: GroupOffsets, w: Watermarks, limit: ReadLimit): Promise<GroupOffsets> {
    const { member, initial, failOnDataLoss } = this.config;
    if (!member.stable) return start;
    const committed = await member.committed(this.config.admin());
    const starts: KafkaOffsets = {}, highs: KafkaOffsets = {};
    const prior = new Map<string, string | null>();
    // Partitions the group never committed: claimed even with nothing to read, so that where they
    // start ("latest" moves!) is pinned by the first batch.
    const fresh = new Set<string>();
    for (const [key, { high }] of w) {
      const [topic, partition] = splitPartitionKey(key);
      if (!member.owns(topic, partition)) continue;
      const c = committed.get(key);
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
      if (until <= from && !fresh.has(`${topic}:${partition}`)) return;
      set(out.group, topic, partition, until);
      (out.from[topic] ??= {})[partition] = [from, prior.get(`${topic}:${partition}`) ?? null];
    });
    return Object.keys(out.group).length > 0 ? out : start;
  }

  /** The ranges of `end` this batch may read: those whose claim landed, claiming them now if needed. */
  async claim(end: GroupOffsets): Promise<PartitionRange[]> {
    const { member } = this.config;
    const epoch = member.epoch;
    const committed = await member.committed(this.config.admin());
    const landed: PartitionRange[] = [], toClaim: { range: PartitionRange; metadata: string }[] = [];
    for (const topic of Object.keys(end.from)) {
      for (const [p, [from, prior]] of Object.entries(end.from[topic]!)) {
        const partition = Number(p), key = `${topic}:${partition}`;
        const range = { topic, partition, from, until: end.group[topic]![partition]! };
        const now = committed.get(key);
        const state = claimState(end.claim, prior, now?.claim);
        if (state === "unknown") throw kafkaErrors.claimUnresolvable(topic, partition, end.claim);
        if (state === "landed") {
          landed.push(range);
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
    const ok = await member.claim(toClaim.map(({ range, metadata }) => ({ topic: range.topic, partition: range.partition, offset: range.until, metadata })), epoch);
    if (ok) landed.push(...toClaim.map((c) => c.range));
    else this.claimsRefused += toClaim.length;
    for (const r of landed) this.lastOwn.set(`${r.topic}:${r.partition}`, { id: end.claim, epoch });
    return landed.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }
}
