import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FetchReader } from "../src/fetch/fetch-reader.js";
import { kafkajsInternals } from "../src/fetch/kafkajs-internals.js";
import type { Broker } from "./mock-broker.js";
import { produceRaw, startBroker } from "./mock-broker.js";
import { values } from "./readers.js";

// A cluster of three brokers, so partitions have leaders on different brokers and leadership can move.
let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({ brokers: 3 });
}, 60_000);
afterAll(async () => {
  await broker.stop();
});

describe("FetchReader across brokers", () => {
  it("reads partitions led by different brokers, and follows a leader that moved (NOT_LEADER → fresh metadata)", async () => {
    if (process.env.KAFKA_BROKERS) return; // leadership moves can only be simulated on the mock cluster
    const topic = `leaders-${Date.now()}`;
    await broker.createTopic(topic, 3);
    for (const p of [0, 1, 2]) {
      for (let i = 0; i < 600; i += 200)
        await produceRaw(
          broker.kafka,
          topic,
          Array.from({ length: 200 }, (_, k) => `${p}:${i + k}`),
          p,
        );
    }
    for (const p of [0, 1, 2]) await broker.setLeader(topic, p, p + 1);
    const reader = new FetchReader(kafkajsInternals(broker.kafka)!, [topic], 15_000);
    await reader.start();
    try {
      const ranges = (from: number, until: number) => [0, 1, 2].map((partition) => ({ topic, partition, from, until }));
      const expected = (from: number, until: number) =>
        [0, 1, 2].map((p) => Array.from({ length: until - from }, (_, k) => `${p}:${from + k}`));
      expect((await reader.read(ranges(0, 250))).map(values)).toEqual(expected(0, 250));
      // Every partition's leader moves; the reader's metadata still names the old ones.
      for (const p of [0, 1, 2]) await broker.setLeader(topic, p, ((p + 1) % 3) + 1);
      expect((await reader.read(ranges(250, 600))).map(values)).toEqual(expected(250, 600));
    } finally {
      await reader.stop();
    }
  }, 60_000);
});
