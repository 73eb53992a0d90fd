import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { avg, count, double, int, memorySink, readStream, string, struct, timestamp, window } from "@skp/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KafkaRow } from "../src/index.js";
import { kafkaSource } from "../src/index.js";
import type { Broker } from "./mock-broker.js";
import { produceEvents, produceRaw, startBroker } from "./mock-broker.js";

let broker: Broker;
let topicCounter = 0;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker.stop();
});

async function newTopic(partitions = 3) {
  const name = `t${topicCounter++}-${Date.now()}`;
  await broker.createTopic(name, partitions);
  return name;
}
const source = (topic: string, extra: Partial<Parameters<typeof kafkaSource>[0]> = {}) =>
  kafkaSource({ brokers: broker.brokers, topic, startingOffsets: "earliest", logLevel: "nothing", ...extra });
const text = (r: { value: Uint8Array | null }) => Buffer.from(r.value!).toString();

/** `n` rows with distinct (partition, offset): each message exactly once. */
function expectEachMessageOnce(rows: readonly KafkaRow[], n: number) {
  const ids = rows.map((r) => `${r.partition}:${r.offset}`);
  expect(ids).toHaveLength(n);
  expect(new Set(ids).size).toBe(n);
}

const schema = struct({ id: int(), ts: timestamp(), value: double(), source: string() });
const T0 = Date.parse("2025-11-06T07:00:00Z");
function events(n: number, from = 0) {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { id: i % 5, ts: new Date(T0 + i * 37).toISOString(), value: (i * 7) % 100 };
  });
}
function reference(evs: ReturnType<typeof events>) {
  const groups = new Map<string, { start: number; id: number; n: number; s: number }>();
  for (const e of evs) {
    const t = Date.parse(e.ts),
      start = t - (t % 10_000),
      k = `${start}|${e.id}`;
    const g = groups.get(k) ?? { start, id: e.id, n: 0, s: 0 };
    g.n++;
    g.s += e.value;
    groups.set(k, g);
  }
  return [...groups.values()]
    .map((g) => ({ window: { start: g.start, end: g.start + 10_000 }, id: g.id, events: g.n, avg_value: g.s / g.n }))
    .sort((a, b) => a.window.start - b.window.start || a.id - b.id);
}

describe("kafkaSource", () => {
  it("JSON events → parseJson → 10 s windows → exact counts and averages", async () => {
    const topic = await newTopic();
    const evs = events(3_000);
    await produceEvents(broker.kafka, topic, evs);
    const sink = memorySink();
    const q = await readStream(source(topic, { maxOffsetsPerTrigger: 700 }))
      .parseJson(schema)
      .withWatermark("ts", "30 seconds")
      .groupBy(window("ts", "10 seconds"), "id")
      .agg(count().as("events"), avg("value").as("avg_value"))
      .writeStream.outputMode("complete")
      .format(sink)
      .start();
    await q.processAllAvailable();
    await q.stop();
    expect(sink.lastBatch).toEqual(reference(evs));
    const inputs = q.recentProgress.map((p) => p.numInputRows);
    expect(inputs.reduce((a, b) => a + b, 0)).toBe(3_000);
    expect(Math.max(...inputs)).toBeLessThanOrEqual(700);
    expect(q.lastProgress!.sources[0]!.endOffset).toEqual({ [topic]: expect.objectContaining({ 0: expect.any(Number) }) });
  });

  it("stopping a query with a prefetch in flight is prompt", async () => {
    const topic = await newTopic();
    await produceEvents(broker.kafka, topic, events(3_000));
    const q = await readStream(source(topic, { maxOffsetsPerTrigger: 200 }))
      .writeStream.format(memorySink())
      .start();
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await q.stop();
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it.each(["fetch", "consumer"] as const)(
    "rows carry key, value, topic, partition, offset, timestamp and headers (reader: %s)",
    async (reader) => {
      const topic = await newTopic(1);
      const producer = broker.kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: [
          { key: "k", value: "v", headers: { h: "x" }, timestamp: "1700000000000" },
          { key: null, value: null },
        ],
      });
      await producer.disconnect();
      const sink = memorySink<KafkaRow>();
      const q = await readStream(source(topic, { reader })).writeStream.format(sink).start();
      await q.processAllAvailable();
      await q.stop();
      expect(sink.rows).toHaveLength(2);
      const [r, empty] = sink.rows as [KafkaRow, KafkaRow];
      expect([Buffer.from(r.key!).toString(), text(r), r.topic, r.partition, r.offset, r.timestamp, r.headers]).toEqual([
        "k",
        "v",
        topic,
        0,
        0,
        1_700_000_000_000,
        { h: "x" },
      ]);
      expect([empty.key, empty.value, empty.offset, empty.headers]).toEqual([null, null, 1, {}]);
    },
  );

  it("a KafkaJS-compatible client other than kafkajs is read through its consumer API", async () => {
    const topic = await newTopic(2);
    await produceEvents(broker.kafka, topic, events(500));
    // Only the public API, as Confluent's KafkaJS-compatible client offers it.
    const client = {
      consumer: (c: never) => broker.kafka.consumer(c),
      admin: (c: never) => broker.kafka.admin(c),
      producer: (c: never) => broker.kafka.producer(c),
    } as unknown as typeof broker.kafka;
    expect(() => kafkaSource({ client, topic, reader: "fetch" })).toThrow(/"consumer": this client is not kafkajs/);
    const sink = memorySink<KafkaRow>();
    const q = await readStream(kafkaSource({ client, topic, startingOffsets: "earliest", maxOffsetsPerTrigger: 200 }))
      .writeStream.format(sink)
      .start();
    await q.processAllAvailable();
    await q.stop();
    expectEachMessageOnce(sink.rows, 500);
  });

  it("startingOffsets: latest reads only new data; a per-partition map starts where it says", async () => {
    const topic = await newTopic(1);
    await produceRaw(broker.kafka, topic, ["old-0", "old-1", "old-2"]);
    const latest = memorySink<KafkaRow>();
    const q = await readStream(source(topic, { startingOffsets: "latest" }))
      .writeStream.format(latest)
      .start();
    await produceRaw(broker.kafka, topic, ["new-3"]);
    await q.processAllAvailable();
    await q.stop();
    expect(latest.rows.map(text)).toEqual(["new-3"]);
    const mapped = memorySink<KafkaRow>();
    const q2 = await readStream(source(topic, { startingOffsets: { [topic]: { 0: 2 } } }))
      .writeStream.format(mapped)
      .start();
    await q2.processAllAvailable();
    await q2.stop();
    expect(mapped.rows.map(text)).toEqual(["old-2", "new-3"]);
  });

  it("resumes from the checkpoint, not the group or startingOffsets: every message exactly once across restarts", async () => {
    const topic = await newTopic();
    const chk = mkdtempSync(join(tmpdir(), "skp-kafka-chk-"));
    const sink = memorySink<KafkaRow>();
    try {
      for (let round = 0; round < 3; round++) {
        await produceEvents(broker.kafka, topic, events(200, round * 200));
        const q = await readStream(source(topic, { startingOffsets: "latest", maxOffsetsPerTrigger: 150 }))
          .writeStream.format(sink)
          .option("checkpointLocation", chk)
          .start();
        await q.processAllAvailable();
        await q.stop();
      }
    } finally {
      rmSync(chk, { recursive: true, force: true });
    }
    // The first run started at "latest" (after round 0's events); later runs resumed from the checkpoint.
    expectEachMessageOnce(sink.rows, 400);
  });

  it("reports committed offsets to the consumer group, for lag tools", async () => {
    const topic = await newTopic();
    await produceEvents(broker.kafka, topic, events(90));
    const q = await readStream(source(topic, { groupId: "skp-lag" }))
      .writeStream.format(memorySink())
      .start();
    await q.processAllAvailable();
    await q.stop();
    const admin = broker.kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: "skp-lag", topics: [topic] });
    await admin.disconnect();
    const total = offsets!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    expect(total).toBe(90);
  });

  it("a grouped query starting at latest pins where it starts, and resumes from the group's claims", async () => {
    const topic = await newTopic();
    await produceEvents(broker.kafka, topic, events(60));
    const chk = mkdtempSync(join(tmpdir(), "skp-kafka-chk-"));
    const sink = memorySink<KafkaRow>();
    // The mock cluster ignores LeaveGroup, so a restarted member waits out the old one's session.
    const groupId = `g-latest-${Date.now()}`;
    try {
      const q1 = await readStream(source(topic, { groupId, startingOffsets: "latest", sessionTimeoutMs: 6_000 }))
        .writeStream.format(sink)
        .option("checkpointLocation", chk)
        .start();
      await q1.processAllAvailable();
      await produceEvents(broker.kafka, topic, events(40, 60));
      await q1.processAllAvailable();
      await q1.stop();
      await produceEvents(broker.kafka, topic, events(30, 100));
      const q2 = await readStream(source(topic, { groupId, startingOffsets: "latest", sessionTimeoutMs: 6_000 }))
        .writeStream.format(sink)
        .option("checkpointLocation", chk)
        .start();
      await q2.processAllAvailable();
      await q2.stop();
    } finally {
      rmSync(chk, { recursive: true, force: true });
    }
    // Nothing from before the first start; everything after it exactly once, across the restart.
    expectEachMessageOnce(sink.rows, 70);
  });

  it("a checkpoint keeps its mode: with or without groupId, never switched silently", async () => {
    const topic = await newTopic(1);
    await produceEvents(broker.kafka, topic, events(10));
    for (const [first, second] of [
      [{}, { groupId: `g-mode-${Date.now()}` }],
      [{ groupId: `g-mode2-${Date.now()}` }, {}],
    ] as const) {
      const chk = mkdtempSync(join(tmpdir(), "skp-kafka-chk-"));
      try {
        const q1 = await readStream(source(topic, first)).writeStream.format(memorySink()).option("checkpointLocation", chk).start();
        await q1.processAllAvailable();
        await q1.stop();
        const q2 = await readStream(source(topic, second)).writeStream.format(memorySink()).option("checkpointLocation", chk).start();
        await expect(q2.awaitTermination()).rejects.toThrow(/groupId/);
      } finally {
        rmSync(chk, { recursive: true, force: true });
      }
    }
  });

  it("malformed messages are counted, never a crash", async () => {
    const topic = await newTopic(1);
    await produceRaw(broker.kafka, topic, ["{bad json", null, JSON.stringify({ id: 1, ts: 0, value: 2, source: "s" })]);
    const sink = memorySink();
    const q = await readStream(source(topic)).parseJson(schema, { mode: "dropMalformed" }).writeStream.format(sink).start();
    await q.processAllAvailable();
    await q.stop();
    expect(sink.rows).toEqual([{ id: 1, ts: 0, value: 2, source: "s" }]);
    expect(q.recentProgress.reduce((n, p) => n + p.numRowsMalformed, 0)).toBe(2);
  });

  it("accepts an existing KafkaJS client", async () => {
    const topic = await newTopic(1);
    await produceRaw(broker.kafka, topic, ["x"]);
    const sink = memorySink<KafkaRow>();
    const q = await readStream(kafkaSource({ client: broker.kafka, topic, startingOffsets: "earliest" }))
      .writeStream.format(sink)
      .start();
    await q.processAllAvailable();
    await q.stop();
    expect(sink.rows.map(text)).toEqual(["x"]);
  });

  it("while catching up, plans batches from the fetches' high watermarks instead of asking the broker each trigger", async () => {
    const topic = await newTopic();
    await produceEvents(broker.kafka, topic, events(3_000));
    let asked = 0;
    const admin = broker.kafka.admin.bind(broker.kafka);
    const client = Object.create(broker.kafka, {
      admin: {
        value: (...args: Parameters<typeof admin>) => {
          const a = admin(...args);
          const fetchTopicOffsets = a.fetchTopicOffsets.bind(a);
          a.fetchTopicOffsets = (t: string) => {
            asked++;
            return fetchTopicOffsets(t);
          };
          return a;
        },
      },
    });
    const sink = memorySink<KafkaRow>();
    const q = await readStream(kafkaSource({ client, topic, startingOffsets: "earliest", maxOffsetsPerTrigger: 200 }))
      .writeStream.format(sink)
      .start();
    await q.processAllAvailable();
    await q.stop();
    expectEachMessageOnce(sink.rows, 3_000);
    const batches = q.recentProgress.filter((p) => p.numInputRows > 0).length;
    expect(batches).toBeGreaterThanOrEqual(15);
    expect(asked).toBeLessThan(batches / 2);
  });

  it("an idle query wakes on data through its watch fetch, not its poll interval", async () => {
    // The mock holds every fetch for its full wait, data or not (a real broker answers at once; see
    // data-watcher.test.ts for that): the wake-up comes when the 300 ms watch returns, well before
    // the 20 s poll interval. Without the watch (fetchMaxWaitMs: 0) the poll interval decides.
    for (const fetchMaxWaitMs of [300, 0]) {
      const topic = await newTopic(2);
      const sink = memorySink<KafkaRow>();
      const q = await readStream(source(topic, { fetchMaxWaitMs })).writeStream.format(sink).option("pollInterval", "20 seconds").start();
      await new Promise((r) => setTimeout(r, 200)); // idle: a first empty trigger, then the watch
      const t0 = Date.now();
      await produceEvents(broker.kafka, topic, events(5));
      while (sink.rows.length < 5 && Date.now() - t0 < 3_000) await new Promise((r) => setTimeout(r, 10));
      const ms = Date.now() - t0;
      await q.stop();
      if (fetchMaxWaitMs > 0) {
        expect(sink.rows).toHaveLength(5);
        expect(ms).toBeLessThan(1_500);
      } else expect(sink.rows).toHaveLength(0); // still asleep after 3 s
    }
  });

  it("failOnDataLoss: offsets that went back (topic recreated) fail clearly, or are skipped and counted", async () => {
    const topic = await newTopic(1);
    await produceRaw(broker.kafka, topic, ["a", "b"]);
    const beyond = { [topic]: { 0: 50 } };
    const failing = await readStream(source(topic, { startingOffsets: beyond }))
      .writeStream.format(memorySink())
      .start();
    await expect(failing.processAllAvailable()).rejects.toThrow(/checkpoint is at offset 50 but the partition ends at 2/);
    const sink = memorySink<KafkaRow>();
    const lenient = await readStream(source(topic, { startingOffsets: beyond, failOnDataLoss: false }))
      .writeStream.format(sink)
      .start();
    await produceRaw(broker.kafka, topic, ["c"]);
    await lenient.processAllAvailable();
    await lenient.stop();
    expect(sink.rows.map(text)).toEqual(["c"]);
  });

  it("failOnDataLoss: offsets deleted by retention fail clearly, or are skipped and counted", async () => {
    if (process.env.KAFKA_BROKERS) return; // relies on the mock cluster's per-partition retention (~56k messages)
    const topic = await newTopic(1);
    await produceRaw(broker.kafka, topic, ["first"]);
    const chk = mkdtempSync(join(tmpdir(), "skp-kafka-loss-"));
    const chk2 = mkdtempSync(join(tmpdir(), "skp-kafka-loss-"));
    try {
      // Checkpoints positioned at offset 0, before anything is read.
      for (const dir of [chk, chk2]) {
        const q = await readStream(source(topic, { startingOffsets: "earliest", maxOffsetsPerTrigger: 1 }))
          .writeStream.trigger({ once: true })
          .format(memorySink())
          .option("checkpointLocation", dir)
          .start();
        await q.awaitTermination();
      }
      // Push offset 1 out of the log: the mock keeps only the newest few MB of a partition.
      const producer = broker.kafka.producer();
      await producer.connect();
      const filler = "x".repeat(200);
      for (let i = 0; i < 60; i++) await producer.send({ topic, messages: Array.from({ length: 1_000 }, () => ({ value: filler })) });
      await producer.disconnect();
      const admin = broker.kafka.admin();
      await admin.connect();
      const low = (await admin.fetchTopicOffsets(topic))[0]!.low;
      await admin.disconnect();
      expect(Number(low)).toBeGreaterThan(1);

      const strict = await readStream(source(topic, { maxOffsetsPerTrigger: 100 }))
        .writeStream.format(memorySink())
        .option("checkpointLocation", chk)
        .start();
      await expect(strict.processAllAvailable()).rejects.toThrow(
        new RegExp(`Partition ${topic}-0: offsets 1..${Number(low) - 1} are no longer available`),
      );
      const lenient = await readStream(source(topic, { failOnDataLoss: false }))
        .writeStream.format(memorySink<KafkaRow>())
        .option("checkpointLocation", chk2)
        .start();
      await lenient.processAllAvailable();
      await lenient.stop();
      expect(lenient.recentProgress[0]!.sources[0]!.metrics.dataLossOffsets).toBe(Number(low) - 1);
    } finally {
      rmSync(chk, { recursive: true, force: true });
      rmSync(chk2, { recursive: true, force: true });
    }
  }, 120_000);

  it("refuses bad options and unknown topics with clear errors", async () => {
    expect(() => kafkaSource({ brokers: ["x:1"] })).toThrow(/needs a topic/);
    expect(() => kafkaSource({ topic: "t" })).toThrow(/needs \{ brokers/);
    expect(() => kafkaSource({ brokers: ["x:1"], topic: "t", startingOffsets: "middle" as never })).toThrow(
      /Invalid startingOffsets "middle"/,
    );
    expect(() => kafkaSource({ brokers: ["x:1"], topic: "t", maxOffsetsPerTrigger: 0 })).toThrow(/maxOffsetsPerTrigger/);
    expect(() => kafkaSource({ brokers: ["x:1"], topic: "t", reader: "poll" as never })).toThrow(/"reader" has invalid value "poll"/);
    await expect(readStream(source("no-such-topic")).writeStream.format(memorySink()).start()).rejects.toThrow(
      /Topic "no-such-topic" does not exist/,
    );
  });

  it("a broker that is down at start gives a clear error after a bounded retry", async () => {
    const t0 = Date.now();
    await expect(
      readStream(kafkaSource({ brokers: ["127.0.0.1:1"], topic: "events", retries: 1, logLevel: "nothing" }))
        .writeStream.format(memorySink())
        .start(),
    ).rejects.toThrow(/Kafka at 127\.0\.0\.1:1 is unreachable after retrying/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it.each(["fetch", "consumer"] as const)(
    "a broker lost mid-run: the query retries and resumes without loss (reader: %s)",
    async (reader) => {
      if (process.env.KAFKA_BROKERS) return; // outages can only be simulated on the mock cluster
      const topic = await newTopic();
      await produceEvents(broker.kafka, topic, events(300));
      const sink = memorySink<KafkaRow>();
      const q = await readStream(source(topic, { maxOffsetsPerTrigger: 100, retries: 8, reader }))
        .writeStream.format(sink)
        .start();
      await q.processAllAvailable();
      await broker.setDown(true);
      setTimeout(() => void broker.setDown(false), 2_000);
      await new Promise((r) => setTimeout(r, 2_500));
      await produceEvents(broker.kafka, topic, events(300, 300));
      await q.processAllAvailable();
      await q.stop();
      expectEachMessageOnce(sink.rows, 600);
    },
  );
});
