import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FetchReader } from "../src/fetch/fetch-reader.js";
import { kafkajsInternals } from "../src/fetch/kafkajs-internals.js";
import type { PartitionRange } from "../src/offsets.js";
import type { Broker } from "./mock-broker.js";
import { produceRaw, startBroker } from "./mock-broker.js";
import { bothReaders, values } from "./readers.js";

const PER_PARTITION = 3_000;
let broker: Broker;
let topic: string;
beforeAll(async () => {
  broker = await startBroker();
  topic = `ranges-${Date.now()}`;
  await broker.createTopic(topic, 2);
  for (const p of [0, 1]) {
    // Several produce requests, so the log holds many record batches and a fetch returns only some.
    for (let i = 0; i < PER_PARTITION; i += 500) {
      await produceRaw(
        broker.kafka,
        topic,
        Array.from({ length: 500 }, (_, k) => `${p}:${i + k}`),
        p,
      );
    }
  }
}, 60_000);
afterAll(async () => {
  await broker.stop();
});

const expected = (r: PartitionRange) => Array.from({ length: r.until - r.from }, (_, k) => `${r.partition}:${r.from + k}`);

describe.each(bothReaders(() => broker.kafka))("reader %s", (_, makeReader) => {
  it("reads exactly the ranges asked for, in any order: forward, back, skipping, repeated", async () => {
    const reader = makeReader(topic);
    await reader.start();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(PER_PARTITION - 1), fc.integer({ min: 0, max: 900 }), fc.boolean()), { minLength: 1, maxLength: 6 }),
          async (steps) => {
            for (const [from, length, both] of steps) {
              const ranges = (both ? [0, 1] : [1]).map((partition) => ({
                topic,
                partition,
                from,
                until: Math.min(PER_PARTITION, from + length),
              }));
              const rows = await reader.read(ranges);
              expect(rows.map(values)).toEqual(ranges.map(expected));
              rows.forEach((rs, i) => {
                for (const row of rs) expect([row.topic, row.partition]).toEqual([topic, ranges[i]!.partition]);
              });
            }
          },
        ),
        { numRuns: 12 },
      );
      // Consecutive ranges (how batches follow each other) continue the stream.
      for (let from = 0; from < PER_PARTITION; from += 700) {
        const r = { topic, partition: 0, from, until: Math.min(PER_PARTITION, from + 700) };
        expect(values((await reader.read([r]))[0]!)).toEqual(expected(r));
      }
    } finally {
      await reader.stop();
    }
  }, 120_000);
});

describe("FetchReader, when the broker goes away", () => {
  it("a read while the leader is down retries, and completes exactly once it is back; past the stall timeout it fails clearly", async () => {
    if (process.env.KAFKA_BROKERS) return; // outages can only be simulated on the mock cluster
    const reader = new FetchReader(kafkajsInternals(broker.kafka)!, [topic], 4_000);
    await reader.start();
    try {
      const first = { topic, partition: 0, from: 0, until: 100 };
      expect(values((await reader.read([first]))[0]!)).toEqual(expected(first));
      await broker.setDown(true);
      const back = setTimeout(() => void broker.setDown(false), 1_500);
      const next = { topic, partition: 0, from: 2_000, until: 2_600 };
      expect(values((await reader.read([next]))[0]!)).toEqual(expected(next));
      clearTimeout(back);
      await broker.setDown(true);
      const t0 = Date.now();
      await expect(reader.read([{ topic, partition: 1, from: 0, until: 10 }])).rejects.toThrow(/made no progress for 4000 ms.*Last error/);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await broker.setDown(false);
      await reader.stop();
    }
  }, 60_000);
});

describe("FetchReader, large records on the broker", () => {
  it("reads a multi-megabyte record beside small ones", async () => {
    const big = `big-${Date.now()}`;
    await broker.createTopic(big, 2);
    const producer = broker.kafka.producer();
    await producer.connect();
    const huge = "x".repeat(3 << 20);
    await producer.send({
      topic: big,
      messages: [
        { value: "small-0", partition: 0 },
        { value: huge, partition: 1 },
        { value: "small-1", partition: 0 },
        { value: "after", partition: 1 },
      ],
    });
    await producer.disconnect();
    const reader = new FetchReader(kafkajsInternals(broker.kafka)!, [big], 15_000);
    await reader.start();
    try {
      const rows = await reader.read([
        { topic: big, partition: 0, from: 0, until: 2 },
        { topic: big, partition: 1, from: 0, until: 2 },
      ]);
      expect(rows.map(values)).toEqual([
        ["small-0", "small-1"],
        [huge, "after"],
      ]);
    } finally {
      await reader.stop();
    }
  }, 60_000);
});
