import { join } from "node:path";
import { count, int, long, memorySink, readStream, struct, sum, timestamp, window } from "@skp/core";
import { describe, expect, it } from "vitest";
import { windowEntry, windowSums } from "../../core/test/window-sums.js";
import { kafkaSource } from "../src/index.js";
import { kafkaFixture } from "./fixtures.js";

const kafka = kafkaFixture("skp-stateful");

const schema = struct({ id: int(), ts: timestamp(), value: long() });
type Out = { window: { start: number; end: number }; id: number; n: number; total: number };

/** The windowed count and sum every test runs: 10 s windows, 5 s watermark delay, append mode. */
function windowed(topic: string, groupId: string, coPartitioned: boolean) {
  const brokers = kafka.broker.brokers;
  return readStream(kafkaSource({ brokers, topic, groupId, coPartitioned, startingOffsets: "earliest", sessionTimeoutMs: 6_000 }))
    .parseJson(schema)
    .withWatermark("ts", "5 seconds")
    .groupBy(window("ts", "10 seconds"), "id")
    .agg(count().as("n"), sum("value").as("total"));
}

/** Events for ids 0..7 (keyed by id), `per` per id, one a second from `t0`; and what they add up to. */
function events(t0: number, per: number, base = 0) {
  const out: { id: number; ts: number; value: number }[] = [];
  for (let k = 0; k < per; k++) for (let id = 0; id < 8; id++) out.push({ id, ts: t0 + k * 1_000, value: base + k * 8 + id });
  return out;
}

async function produce(topic: string, rows: { id: number; ts: number; value: number }[], partition?: number) {
  const producer = kafka.broker.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic, messages: rows.map((e) => ({ key: String(e.id), partition, value: JSON.stringify(e) })) });
  await producer.disconnect();
}

/** One far-future event per partition (id 99), so every partition's watermark passes the windows above. */
async function closeAll(topic: string, partitions: number, ts: number) {
  for (let p = 0; p < partitions; p++) await produce(topic, [{ id: 99, ts, value: 0 }], p);
}

const results = (rows: Out[]) => new Map(rows.filter((r) => r.id !== 99).map(windowEntry));

describe("stateful queries with groupId: state shards on changelog topics", () => {
  it.each([
    ["co-partitioned", true],
    ["repartitioned", false],
  ])(
    "%s: state moves through the changelog: a new process (no local state) finishes the windows left open",
    async (_, co) => {
      const topic = `st-${Date.now()}`,
        groupId = `sg-${Date.now()}`;
      await kafka.broker.createTopic(topic, 3);
      const first = events(0, 25);
      await produce(topic, first);
      const sinkA = memorySink<Out>();
      const qa = await windowed(topic, groupId, co)
        .writeStream.option("checkpointLocation", join(kafka.root, `a-${co}`))
        .format(sinkA)
        .start();
      await qa.processAllAvailable();
      await qa.stop();
      // Windows [0,10) and [10,20) closed in every partition (watermark 24 s - 5 s); [20,30) is open.
      expect(sinkA.rows.every((r) => r.window.end <= 19_000 + 1_000)).toBe(true);
      expect(sinkA.rows.length).toBeGreaterThan(0);

      const second = events(25_000, 10, 1_000);
      await produce(topic, second);
      await closeAll(topic, 3, 3_600_000);
      const sinkB = memorySink<Out>();
      const qb = await windowed(topic, groupId, co)
        .writeStream.option("checkpointLocation", join(kafka.root, `b-${co}`))
        .format(sinkB)
        .start();
      await qb.processAllAvailable();
      await qb.processAllAvailable();
      const progress = qb.lastProgress;
      await qb.stop();
      const union = [...sinkA.rows, ...sinkB.rows].filter((r) => r.id !== 99);
      // Every window exactly once, with the counts and sums of all its rows (from both processes' input).
      expect(results(union).size).toBe(union.length);
      expect(results(union)).toEqual(windowSums([...first, ...second]));
      // Restored by the aggregation's source: the input, or (repartitioned) the repartition topic's reader.
      const restored = progress?.sources.reduce((n, s) => n + Number(s.metrics.stateRowsRestored ?? 0), 0);
      expect(restored).toBeGreaterThan(0);
      if (!co)
        expect(progress?.sources.map((s) => s.description)).toEqual([
          `KafkaSource[${topic}]`,
          `KafkaSource[${groupId}-aggregate-3-repartition]`,
        ]);
    },
    120_000,
  );

  it("a changelog with fewer partitions than the input is refused with a clear error", async () => {
    // The mock has no CreateTopics: the changelog is auto-created with its default 4 partitions.
    const topic = `st5-${Date.now()}`;
    await kafka.broker.createTopic(topic, 5);
    const start = windowed(topic, `sg5-${Date.now()}`, true).writeStream.format(memorySink<Out>()).start();
    await expect(start).rejects.toThrow(/changelog topic "sg5-\d+-aggregate-3-changelog" has 4 partitions but the input has 5/);
  }, 60_000);
});
