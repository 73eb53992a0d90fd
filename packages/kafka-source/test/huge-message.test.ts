import { memorySink, readStream, string, struct } from "@skp/core";
import { describe, expect, it } from "vitest";
import { kafkaSource } from "../src/index.js";
import { kafkaFixture } from "./fixtures.js";

const kafka = kafkaFixture("skp-huge");

describe("a message far over the fetch size", () => {
  it("is read whole, between ordinary ones (the fetch grows to the record batch the broker returns)", async () => {
    const topic = `huge-${Date.now()}`;
    await kafka.broker.createTopic(topic, 1);
    const producer = kafka.broker.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const big = "x".repeat(3_000_000);
    await producer.send({
      topic,
      messages: [{ value: '{"s":"small"}' }, { value: JSON.stringify({ s: big }) }, { value: '{"s":"after"}' }],
    });
    await producer.disconnect();
    const sink = memorySink<{ s: string }>();
    const q = await readStream(kafkaSource({ brokers: kafka.broker.brokers, topic, startingOffsets: "earliest" }))
      .parseJson(struct({ s: string() }), { mode: "failFast" })
      .writeStream.trigger({ availableNow: true })
      .format(sink)
      .start();
    await q.awaitTermination();
    expect(sink.rows.map((r) => r.s.length)).toEqual([5, 3_000_000, 5]);
  });
});
