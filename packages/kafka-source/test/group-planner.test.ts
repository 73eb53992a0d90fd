import type { Admin } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { BrokerOffsets } from "../src/broker-offsets.js";
import { decodeClaim, encodeClaim } from "../src/claims.js";
import type { Committed } from "../src/group-member.js";
import type { GroupOffsets } from "../src/group-offsets.js";
import { emptyGroupOffsets } from "../src/group-offsets.js";
import type { Membership } from "../src/group-planner.js";
import { GroupPlanner } from "../src/group-planner.js";

/** A group of one topic "t": who we own, what the group committed, and claims that land or are refused. */
class FakeGroup implements Membership {
  stable = true;
  epoch = 1;
  owned = new Set<number>();
  offsets = new Map<number, { offset: number; metadata: string | null }>();
  refuse = false;
  commits = 0;
  owns(topic: string, partition: number) {
    return this.stable && topic === "t" && this.owned.has(partition);
  }
  ownedCount() {
    return this.stable ? this.owned.size : 0;
  }
  async committed(): Promise<Map<string, Committed>> {
    return new Map([...this.offsets].map(([p, c]) => [`t:${p}`, { offset: c.offset, claim: decodeClaim(c.metadata) }]));
  }
  async claim(claims: { topic: string; partition: number; offset: number; metadata: string }[], epoch: number) {
    if (claims.length === 0) return true;
    if (this.refuse || epoch !== this.epoch || !claims.every((c) => this.owns(c.topic, c.partition))) return false;
    for (const c of claims) this.offsets.set(c.partition, { offset: c.offset, metadata: c.metadata });
    this.commits++;
    return true;
  }
  /** Another process claims a range (as its first claim after a rebalance). */
  otherClaims(partition: number, until: number, id: string) {
    const now = decodeClaim(this.offsets.get(partition)?.metadata);
    this.offsets.set(partition, { offset: until, metadata: encodeClaim({ id, handoffs: now ? [now.id, ...now.handoffs] : [] }) });
  }
}

const W = (highs: number[]) => new Map(highs.map((high, p) => [`t:${p}`, { low: 0, high }]));
const planner = (g: FakeGroup, maxOffsetsPerTrigger?: number) =>
  new GroupPlanner({
    member: g,
    offsets: {} as BrokerOffsets,
    admin: () => ({}) as Admin,
    initial: (_t, p, w) => w.get(`t:${p}`)!.low,
    maxOffsetsPerTrigger,
    failOnDataLoss: true,
  });
const ranges = (rs: { partition: number; from: number; until: number }[]) => rs.map((r) => `${r.partition}:${r.from}-${r.until}`);

describe("GroupPlanner", () => {
  it("plans only owned partitions, from the group's committed offsets, within maxOffsetsPerTrigger", async () => {
    const g = new FakeGroup();
    g.owned = new Set([0, 2]);
    g.offsets.set(0, { offset: 40, metadata: null });
    const plan = await planner(g, 100).plan(emptyGroupOffsets(), W([100, 100, 100]), {});
    expect(plan.group).toEqual({ t: { 0: 77, 2: 62 } }); // backlogs 60 and 100 share 100 offsets in proportion, rounded down
    expect(plan.from).toEqual({ t: { 0: [40, null], 2: [0, null] } });
    expect(plan.claim).toMatch(/^[0-9a-f]{16}$/);
  });

  it("plans nothing while the assignment is unstable, or when there is nothing new", async () => {
    const g = new FakeGroup();
    g.owned = new Set([0]);
    const start = emptyGroupOffsets();
    g.stable = false;
    expect(await planner(g).plan(start, W([10]), {})).toBe(start);
    g.stable = true;
    g.offsets.set(0, { offset: 10, metadata: null });
    expect(await planner(g).plan(start, W([10]), {})).toBe(start);
  });

  it("claims the planned ranges, then reads them; a replay finds its landed claim and does not claim again", async () => {
    const g = new FakeGroup();
    g.owned = new Set([0, 1]);
    const p = planner(g);
    const plan = await p.plan(emptyGroupOffsets(), W([5, 7]), {});
    expect(ranges(await p.claim(plan))).toEqual(["0:0-5", "1:0-7"]);
    expect(g.offsets.get(1)!.offset).toBe(7);
    expect(decodeClaim(g.offsets.get(1)!.metadata)!.id).toBe(plan.claim);
    // Restart: a new planner (no memory), the group moved on to other owners and back meanwhile.
    g.otherClaims(1, 9, "other");
    g.epoch++;
    expect(ranges(await planner(g).claim(plan))).toEqual(["0:0-5", "1:0-7"]);
    expect(g.commits).toBe(1);
  });

  it("a refused claim reads nothing; a range someone claimed since the plan, or a partition lost, is skipped", async () => {
    const g = new FakeGroup();
    g.owned = new Set([0, 1, 2]);
    const p = planner(g);
    const plan = await p.plan(emptyGroupOffsets(), W([5, 5, 5]), {});
    g.refuse = true;
    expect(await p.claim(plan)).toEqual([]);
    expect(p.claimsRefused).toBe(3);
    g.refuse = false;
    g.otherClaims(1, 3, "other"); // claimed by another process after our plan
    g.owned.delete(2); // and the group took partition 2 away
    expect(ranges(await p.claim(plan))).toEqual(["0:0-5"]);
  });

  it("after a restart, a claim that never landed is not read, even once others claimed since", async () => {
    const g = new FakeGroup();
    g.owned = new Set([0]);
    const first = await planner(g).plan(emptyGroupOffsets(), W([5]), {});
    await planner(g).claim(first);
    const plan = await planner(g).plan(first, W([9]), {}); // planned, then the process died before claiming
    g.owned.clear();
    g.otherClaims(0, 12, "b1");
    g.otherClaims(0, 15, "b2");
    expect(await planner(g).claim(plan)).toEqual([]);
  });

  it("a claim whose fate the group's metadata no longer tells is refused loudly", async () => {
    const g = new FakeGroup();
    g.owned = new Set([0]);
    const plan: GroupOffsets = { group: { t: { 0: 9 } }, claim: "mine", from: { t: { 0: [5, "before"] } } };
    g.offsets.set(0, { offset: 20, metadata: encodeClaim({ id: "x", handoffs: ["y"] }) });
    await expect(planner(g).claim(plan)).rejects.toThrow(/cannot tell whether/);
  });

  it("records a handoff when a tenure starts (after a rebalance), not on every batch", async () => {
    const g = new FakeGroup();
    g.owned = new Set([0]);
    g.offsets.set(0, { offset: 0, metadata: encodeClaim({ id: "prev-owner", handoffs: [] }) });
    const p = planner(g);
    let start = emptyGroupOffsets();
    for (const high of [3, 6]) {
      start = await p.plan(start, W([high]), {});
      await p.claim(start);
    }
    expect(decodeClaim(g.offsets.get(0)!.metadata)!.handoffs).toEqual(["prev-owner"]);
    g.epoch++; // a rebalance: this process keeps the partition, but its tenure restarts
    start = await p.plan(start, W([9]), {});
    const before = decodeClaim(g.offsets.get(0)!.metadata)!.id;
    await p.claim(start);
    expect(decodeClaim(g.offsets.get(0)!.metadata)!.handoffs).toEqual([before, "prev-owner"]);
  });
});
