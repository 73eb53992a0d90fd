import RequestQueue from "kafkajs/src/network/requestQueue/index.js";
import { describe, expect, it } from "vitest";
import { fixKafkajsIdleTimers } from "../src/kafkajs-idle-fix.js";

type Queue = { pending: unknown[]; throttledUntil: number; throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null };
const schedule = (queue: Queue) => (RequestQueue.prototype.scheduleCheckPendingRequests as (this: Queue) => void).call(queue);

describe("kafkajs idle timer fix", () => {
  it("applies to the kafkajs this package uses (2.2.4, whose idle loop it mends)", () => {
    expect(fixKafkajsIdleTimers()).toBe(true);
    expect(fixKafkajsIdleTimers()).toBe(true); // once
  });

  it("schedules nothing for a connection with nothing pending and no throttle", () => {
    fixKafkajsIdleTimers();
    const idle: Queue = { pending: [], throttledUntil: -1, throttleCheckTimeoutId: null };
    schedule(idle);
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it("still schedules a check for a pending request, and for a throttle still in force", () => {
    fixKafkajsIdleTimers();
    const pending: Queue = { pending: [{}], throttledUntil: -1, throttleCheckTimeoutId: null };
    const throttled: Queue = { pending: [], throttledUntil: Date.now() + 60_000, throttleCheckTimeoutId: null };
    for (const queue of [pending, throttled]) {
      schedule(queue);
      expect(queue.throttleCheckTimeoutId).not.toBeNull();
      clearTimeout(queue.throttleCheckTimeoutId!);
    }
  });
});
