import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeReader } from "../src/range-reader.js";
import type { PartitionRange } from "../src/offsets.js";
import { produceRaw, startBroker } from "./mock-broker.js";
import type { Broker } from "./mock-broker.js";

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
      await produceRaw(broker.kafka, topic, Array.from({ length: 500 }, (_, k) => `${p}:${i + k}`), p);
    }
  }
}, 60_000);
afterAll(async () => { await broker.stop(); });

const values = (rows: { value: Uint8Array | null }[]) => rows.map((r) => Buffer.from(r.value!).toString());
const expected = (r: PartitionRange) => Array.from({ length: r.until - r.from }, (_, k) => `${r.partition}:${r.from + k}`);

describe("RangeReader", () => {
  it("reads exactly the ranges asked for, in any order: forward, back, skipping, repeated", async () => {
    const reader = new RangeReader(broker.kafka, [topic], `reader-${crypto.randomUUID()}`, 15_000);
    await reader.start();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(PER_PARTITION - 1), fc.integer({ min: 0, max: 900 }), fc.boolean()), { minLength: 1, maxLength: 6 }),
          async (steps) => {
            for (const [from, length, both] of steps) {
              const ranges = (both ? [0, 1] : [1]).map((partition) => ({ topic, partition, from, until: Math.min(PER_PARTITION, from + length) }));
              const rows = await reader.read(ranges);
              expect(rows.map(values)).toEqual(ranges.map(expected));
              rows.forEach((rs, i) => rs.forEach((row) => expect([row.topic, row.partition]).toEqual([topic, ranges[i]!.partition])));
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
