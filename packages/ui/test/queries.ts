/**
 * The queries the UI tests look at, all in this process: a windowed count over the rate source (state,
 * a watermark, batches every 200 ms), a parse of JSON strings with malformed ones, and optionally a
 * windowed count over a Kafka topic on librdkafka's mock cluster (per-partition offsets and lag).
 */
import type { StreamingQuery } from "@skp/core";
import { count, int, MemoryStream, memorySink, rateSource, readStream, string, struct, timestamp, window } from "@skp/core";
import { kafkaSource } from "../../kafka-source/src/index.js";
import type { Broker } from "../../kafka-source/test/mock-broker.js";

export async function rateCounts(): Promise<StreamingQuery<any>> {
  return readStream(rateSource({ rowsPerSecond: 500 }))
    .withWatermark("timestamp", "1 second")
    .groupBy(window("timestamp", "1 second"))
    .agg(count().as("n"))
    .writeStream.queryName("rate-counts")
    .outputMode("append")
    .trigger({ processingTime: "200 milliseconds" })
    .format(memorySink())
    .start();
}

/** A query that parsed 7 strings, `malformed` of them bad JSON; then idle. */
export async function parsed(malformed: number): Promise<StreamingQuery<any>> {
  const input = new MemoryStream(struct({ value: string() }));
  const q = await readStream(input)
    .parseJson(struct({ id: int(), name: string() }))
    .writeStream.queryName("parsed-events")
    .format(memorySink())
    .start();
  const good = Array.from({ length: 7 - malformed }, (_, i) => ({ value: JSON.stringify({ id: i, name: `n${i}` }) }));
  const bad = Array.from({ length: malformed }, () => ({ value: "{bad json" }));
  input.addData([...good, ...bad]);
  await q.processAllAvailable();
  return q;
}

/** A windowed count by id over a 3-partition topic, read 150 offsets a batch while a producer keeps writing. */
export async function kafkaCounts(broker: Broker): Promise<{ query: StreamingQuery<any>; stop(): Promise<void> }> {
  const topic = `ui-${Date.now()}`;
  await broker.createTopic(topic, 3);
  const producer = broker.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let n = 0;
  const produce = () =>
    producer.send({
      topic,
      messages: Array.from({ length: 300 }, () => {
        const id = n++ % 12;
        return { key: String(id), value: JSON.stringify({ id, ts: Date.now() }) };
      }),
    });
  await produce();
  const timer = setInterval(() => void produce().catch(() => {}), 250);
  const query = await readStream(kafkaSource({ brokers: broker.brokers, topic, startingOffsets: "earliest", maxOffsetsPerTrigger: 150 }))
    .parseJson(struct({ id: int(), ts: timestamp() }))
    .withWatermark("ts", "2 seconds")
    .groupBy(window("ts", "2 seconds"), "id")
    .agg(count().as("n"))
    .writeStream.queryName("kafka-counts")
    .outputMode("append")
    .trigger({ processingTime: "300 milliseconds" })
    .format(memorySink())
    .start();
  return {
    query,
    async stop() {
      clearInterval(timer);
      await query.stop();
      await producer.disconnect();
    },
  };
}

export const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
