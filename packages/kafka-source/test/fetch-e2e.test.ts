import { CompressionTypes } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OffsetReader } from "../src/kafka-row.js";
import type { Broker } from "./mock-broker.js";
import { startBroker } from "./mock-broker.js";
import { bothReaders, values } from "./readers.js";

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
}, 60_000);
afterAll(async () => {
  await broker.stop();
});

async function readAll(make: (topic: string) => OffsetReader, topic: string, until: number) {
  const reader = make(topic);
  await reader.start();
  try {
    return values((await reader.read([{ topic, partition: 0, from: 0, until }]))[0]!);
  } finally {
    await reader.stop();
  }
}

// Transactions end to end are not tested here: kafkajs' transactional producer looks up the cluster's
// controller, which librdkafka's mock does not report (KafkaJSBrokerNotFound "Broker 0"). Aborted
// transactions and control batches are covered by test/record-batches.test.ts on batches encoded by
// kafkajs' own encoder.
describe.each(bothReaders(() => broker.kafka))("reader %s, end to end with kafkajs' producer", (_, make) => {
  it("gzip-compressed batches read as the producer sent them", async () => {
    const topic = `gzip-${Date.now()}`;
    await broker.createTopic(topic, 1);
    const producer = broker.kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 300 }, (_, i) => `message ${i} ${"é".repeat(i % 7)}`);
    for (let i = 0; i < sent.length; i += 100) {
      await producer.send({
        topic,
        compression: CompressionTypes.GZIP,
        messages: sent.slice(i, i + 100).map((value) => ({ value, partition: 0 })),
      });
    }
    await producer.disconnect();
    expect(await readAll(make, topic, 300)).toEqual(sent);
  });
});
