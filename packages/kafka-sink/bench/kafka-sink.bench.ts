/**
 * Benchmark: kafkaSink against raw kafkajs `producer.send` of the same rows (JSON values, keyed, acks
 * from every replica, 2,000 messages a send) in the same run, on librdkafka's mock cluster (or
 * KAFKA_BROKERS). skp: `MemoryStream → kafkaSink`, 20,000-row batches (at-least-once on the mock:
 * it has no transactions for kafkajs). Interleaved rounds, medians.
 *
 *   node --import tsx bench/kafka-sink.bench.ts [rows=200000]
 */
import { double, int, MemoryStream, readStream, string, struct } from "@skp/core";
import { startBroker } from "../../kafka-source/test/mock-broker.js";
import { kafkaSink } from "../src/index.js";

const ROWS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const rows = Array.from({ length: ROWS }, (_, i) => ({ id: i % 100, name: `sensor-${i % 100}`, value: (i % 1000) / 10 }));
const broker = await startBroker();

async function raw(): Promise<number> {
  const topic = `raw-${Date.now()}`;
  await broker.createTopic(topic, 3);
  const producer = broker.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const start = performance.now();
  for (let b = 0; b < ROWS; b += 20_000) {
    const messages = rows
      .slice(b, b + 20_000)
      .map((r) => ({ key: String(r.id), value: JSON.stringify(r), headers: { "skp-batch-id": String(b) } }));
    for (let i = 0; i < messages.length; i += 2_000) await producer.send({ topic, messages: messages.slice(i, i + 2_000), acks: -1 });
  }
  const ms = performance.now() - start;
  await producer.disconnect();
  return ms;
}

async function skp(): Promise<number> {
  const topic = `skp-${Date.now()}`;
  await broker.createTopic(topic, 3);
  const input = new MemoryStream(struct({ id: int(), name: string(), value: double() }));
  input.addData(rows);
  const sink = kafkaSink({ brokers: broker.brokers, topic, key: "id" });
  const q = await readStream(input, { maxOffsetsPerTrigger: 20_000 }).writeStream.format(sink).start();
  // The sink connects at its first batch: time from there.
  const first = new Promise<number>((resolve) =>
    q.progress$.subscribe((p) => p.batchId === 0 && resolve(performance.now() - p.batchDuration)),
  );
  await q.processAllAvailable();
  const ms = performance.now() - (await first);
  await q.stop();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const a: number[] = [],
  b: number[] = [];
await raw();
await skp();
for (let r = 0; r < ROUNDS; r++) {
  a.push(await raw());
  b.push(await skp());
  console.log(`round ${r + 1}: raw producer ${a.at(-1)?.toFixed(0)} ms, kafkaSink ${b.at(-1)?.toFixed(0)} ms`);
}
const rate = (ms: number) => Math.round((ROWS / ms) * 1000).toLocaleString("en-US");
console.log(`\n${ROWS.toLocaleString("en-US")} rows, 3 partitions, median of ${ROUNDS}, node ${process.version}`);
console.log("| writer | rows/s | ratio |\n|---|---:|---:|");
console.log(`| raw kafkajs producer.send (JSON, keyed, acks=-1) | ${rate(median(a))} | 1.00 |`);
console.log(`| kafkaSink (at-least-once, batch headers) | ${rate(median(b))} | ${(median(a) / median(b)).toFixed(2)} |`);
await broker.stop();
