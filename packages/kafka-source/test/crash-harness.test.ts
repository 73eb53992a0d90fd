import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The harness lives in core's scripts; the child below is this package's.
import { runHarness } from "../../core/scripts/crash-harness.js";
import type { Broker } from "./mock-broker.js";
import { produceEvents, startBroker } from "./mock-broker.js";

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker.stop();
});

describe("crash harness with Kafka", () => {
  it("kill -9 at random moments while reading Kafka: zero lost and zero duplicated rows", async () => {
    const topic = `crash-${Date.now()}`;
    await broker.createTopic(topic, 3);
    const T0 = Date.parse("2025-11-06T07:00:00Z");
    await produceEvents(
      broker.kafka,
      topic,
      Array.from({ length: 1_200 }, (_, i) => ({ id: i % 4, ts: T0 + i * 20 - ((i * 7_919) % 13) * 40, value: i % 17 })),
    );
    const child = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
    const r = await runHarness({ kills: 10, child, args: [broker.brokers.join(","), topic], maxKillDelayMs: 400 });
    expect(r.kills).toBe(10);
    expect(r.expectedRows).toBeGreaterThan(50);
    expect({ duplicates: r.duplicates, missing: r.missing, unexpected: r.unexpected, batchesDiffering: r.batchesDiffering }).toEqual({
      duplicates: 0,
      missing: 0,
      unexpected: 0,
      batchesDiffering: 0,
    });
  }, 300_000);
});
