import type { Admin, Kafka } from "kafkajs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GroupMember } from "../src/group-member.js";

type Listener = (e: { payload: Record<string, unknown> }) => void;

/** Just enough of a kafkajs consumer to drive GroupMember: joins happen when the test says so. */
class FakeConsumer {
  readonly events = {
    REQUEST: "request",
    REBALANCING: "rebalancing",
    STOP: "stop",
    DISCONNECT: "disconnect",
    CRASH: "crash",
    GROUP_JOIN: "group_join",
  };
  private readonly listeners = new Map<string, Listener[]>();
  disconnects = 0;
  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }
  emit(event: string, payload: Record<string, unknown>) {
    for (const l of this.listeners.get(event) ?? []) l({ payload });
  }
  private joined = () => {};
  /** The group answered: this consumer joined with this assignment. */
  join(assignment: Record<string, number[]>) {
    this.emit(this.events.GROUP_JOIN, { memberAssignment: assignment });
    this.joined();
  }
  async connect() {}
  async subscribe() {}
  /** As kafkajs' run(): resolves once the first join completes. */
  run() {
    return new Promise<void>((resolve) => {
      this.joined = resolve;
    });
  }
  pause() {}
  async disconnect() {
    this.disconnects++;
  }
}

function fakeKafka() {
  const consumers: FakeConsumer[] = [];
  const kafka = {
    consumer: () => {
      const c = new FakeConsumer();
      consumers.push(c);
      return c;
    },
  } as unknown as Kafka;
  return { kafka, consumers };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("GroupMember", () => {
  it("a consumer replaced after a stalled first join leaves the group when that join completes late; its assignment is ignored", async () => {
    vi.useFakeTimers();
    const { kafka, consumers } = fakeKafka();
    const member = new GroupMember(kafka, ["t"], "g", { sessionTimeoutMs: 6_000, partitionAssigners: undefined }, () => ({}) as Admin);
    const started = member.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(consumers).toHaveLength(1);
    // The first join stalls: after a while the member gives up on that consumer and starts another.
    await vi.advanceTimersByTimeAsync(21_000);
    expect(consumers).toHaveLength(2);
    const [stalled, fresh] = consumers as [FakeConsumer, FakeConsumer];
    expect(stalled.disconnects).toBe(1);
    fresh.join({ t: [0] });
    await started;
    expect([0, 1, 2].map((p) => member.owns("t", p))).toEqual([true, false, false]);
    // kafkajs could not cancel the stalled join: it completes now, as a member no one reads for.
    stalled.join({ t: [1, 2] });
    expect([0, 1, 2].map((p) => member.owns("t", p))).toEqual([true, false, false]);
    expect(stalled.disconnects).toBe(2);
    expect(member.stable).toBe(true);
    await member.stop();
  });

  it("owns nothing while a rebalance is under way, and the new assignment once it is done", async () => {
    const { kafka, consumers } = fakeKafka();
    const member = new GroupMember(kafka, ["t"], "g", { sessionTimeoutMs: 6_000, partitionAssigners: undefined }, () => ({}) as Admin);
    const started = member.start();
    await new Promise((r) => setTimeout(r, 0));
    const consumer = consumers[0]!;
    consumer.join({ t: [0, 1] });
    await started;
    const epoch = member.epoch;
    expect(member.ownedCount()).toBe(2);
    consumer.emit(consumer.events.REQUEST, { apiName: "JoinGroup" });
    expect(member.ownedCount()).toBe(0);
    expect(member.owns("t", 0)).toBe(false);
    consumer.join({ t: [2] });
    expect([0, 1, 2].map((p) => member.owns("t", p))).toEqual([false, false, true]);
    expect(member.epoch).toBeGreaterThan(epoch + 1);
    await member.stop();
  });
});
