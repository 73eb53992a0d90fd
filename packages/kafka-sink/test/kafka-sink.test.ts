import { count, int, long, MemoryStream, memorySink, readStream, string, struct, timestamp, window } from "@skp/core";
import { describe, expect, it } from "vitest";
import { kafkaFixture } from "../../kafka-source/test/fixtures.js";
import { kafkaSink } from "../src/index.js";
import { readTopic } from "./read-topic.js";

const kafka = kafkaFixture("skp-kafka-sink");

describe("kafkaSink on librdkafka's mock cluster", () => {
  it("writes a query's rows as JSON, keyed, with the query and batch ids in headers; the mode is in progress", async () => {
    const topic = `out-${Date.now()}`;
    await kafka.broker.createTopic(topic, 3);
    const input = new MemoryStream(struct({ id: int(), name: string() }));
    const sink = kafkaSink({ brokers: kafka.broker.brokers, topic, key: "id" });
    const q = await readStream(input).writeStream.format(sink).start();
    input.addData([
      { id: 1, name: "a" },
      { id: 2, name: "b" },
    ]);
    await q.processAllAvailable();
    input.addData([{ id: 1, name: "c" }]);
    await q.processAllAvailable();
    // The mock has no transactions (kafkajs cannot get a producer id from it): at-least-once.
    expect(q.lastProgress?.sink.description).toBe(`KafkaSink[${topic}, at-least-once]`);
    await q.stop();
    const got = await readTopic(kafka.broker, topic);
    expect(got.map((m) => JSON.parse(String(m.value))).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { id: 1, name: "a" },
      { id: 2, name: "b" },
      { id: 1, name: "c" },
    ]);
    expect(new Set(got.filter((m) => m.key === "1").map((m) => m.partition)).size).toBe(1); // one key, one partition
    expect(got.map((m) => [m.headers["skp-query-id"], m.headers["skp-batch-id"]]).sort()).toEqual(
      [
        [q.id, "0"],
        [q.id, "0"],
        [q.id, "1"],
      ].sort(),
    );
  });

  it("dead letters: the raw bytes exactly as received, with reason, Kafka coordinates and batch id in headers", async () => {
    const input = `in-${Date.now()}`,
      dlq = `dlq-${Date.now()}`;
    await kafka.broker.createTopic(input, 1);
    await kafka.broker.createTopic(dlq, 1);
    const producer = kafka.broker.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const bad = [Buffer.from("{bad json"), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from("[]")];
    await producer.send({ topic: input, messages: [{ value: '{"id": 1}' }, ...bad.map((value) => ({ value }))] });
    await producer.disconnect();
    const good = memorySink();
    const { kafkaSource } = await import("../../kafka-source/src/index.js");
    const q = await readStream(kafkaSource({ brokers: kafka.broker.brokers, topic: input, startingOffsets: "earliest" }))
      .parseJson(struct({ id: int() }), { mode: "quarantine", deadLetters: kafkaSink({ brokers: kafka.broker.brokers, topic: dlq }) })
      .writeStream.trigger({ availableNow: true })
      .format(good)
      .start();
    await q.awaitTermination();
    expect(good.rows).toEqual([{ id: 1 }]);
    const letters = await readTopic(kafka.broker, dlq);
    expect(letters.map((m) => m.value)).toEqual(bad);
    expect(letters.map((m) => [m.headers["skp-dlq-topic"], m.headers["skp-dlq-partition"], m.headers["skp-dlq-offset"]])).toEqual([
      [input, "0", "1"],
      [input, "0", "2"],
      [input, "0", "3"],
    ]);
    expect(letters.every((m) => (m.headers["skp-dlq-reason"] ?? "").length > 0 && m.headers["skp-dlq-batch-id"] === "0")).toBe(true);
  });

  it("late rows: the row as JSON, its window and the watermark in headers", async () => {
    const late = `late-${Date.now()}`;
    await kafka.broker.createTopic(late, 1);
    const input = new MemoryStream(struct({ v: long(), ts: timestamp() }));
    const q = await readStream(input)
      .withWatermark("ts", "1 second", { lateRows: kafkaSink({ brokers: kafka.broker.brokers, topic: late }) })
      .groupBy(window("ts", "1 second"))
      .agg(count().as("n"))
      .writeStream.format(memorySink())
      .start();
    input.addData({ v: 1, ts: 10_000 });
    await q.processAllAvailable();
    input.addData({ v: 2, ts: 1_000 }); // its window ended long before the watermark (9 s)
    await q.processAllAvailable();
    await q.stop();
    const got = await readTopic(kafka.broker, late);
    expect(got.map((m) => JSON.parse(String(m.value)))).toEqual([{ v: 2, ts: 1_000 }]);
    expect([got[0]?.headers["skp-late-window"], got[0]?.headers["skp-late-watermark-ms"]]).toEqual(["1000-2000", "9000"]);
  });

  it("refuses exactly-once where the broker cannot do transactions, naming why", async () => {
    const topic = `eos-${Date.now()}`;
    await kafka.broker.createTopic(topic, 1);
    const input = new MemoryStream(struct({ id: int() }));
    const q = await readStream(input)
      .writeStream.format(kafkaSink({ brokers: kafka.broker.brokers, topic, delivery: "exactlyOnce" }))
      .start();
    input.addData({ id: 1 });
    await expect(q.processAllAvailable()).rejects.toThrow(/could not write to .*exactly-once/);
  });
});
