/**
 * Benchmark: latency from a produced event to its row in a `foreachBatch` sink, default trigger, at a
 * steady 1,000 and 20,000 events/s — percentiles, with raw kafkajs `eachBatch` (100 ms fetch wait) as
 * the baseline in the same run — and the CPU an idle query uses.
 *
 * Two brokers: a Kafka-like one (librdkafka's mock behind `long-poll-proxy.ts`, which answers a held
 * Fetch as soon as data arrives, as Kafka does) and the mock itself, which holds every Fetch for its
 * full wait: there the watch's wait (`fetchMaxWaitMs`) bounds the wake-up, so its figures are given
 * with the wait stated. The producer and the proxy run in another process (latency-producer.ts).
 *
 *   tsx bench/latency.bench.ts [seconds=4]
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readStream } from "@skp/core";
import { Kafka, logLevel } from "kafkajs";
import { startMockKafka } from "../../../tools/mock-kafka/mock-kafka.js";
import { kafkaSource } from "../src/index.js";

const SECONDS = Number(process.argv[2] ?? 4);
const RATES = [1_000, 20_000];
const now = () => performance.timeOrigin + performance.now();

const mock = await startMockKafka([]);
// The proxy and the producer run in a process of their own (latency-producer.ts).
const other = fork(fileURLToPath(new URL("./latency-producer.ts", import.meta.url)), [], { execArgv: ["--import", "tsx"] });
const ask = <T>(message: object): Promise<T> =>
  new Promise((resolve) => {
    other.once("message", (m) => resolve(m as T));
    other.send(message);
  });
const proxy = (await ask<{ proxy: string }>({ proxy: mock.brokers[0] })).proxy;
let topics = 0;

async function produce(brokers: string[], topic: string, rate: number): Promise<void> {
  await ask({ produce: { brokers, topic, rate, seconds: SECONDS } });
}

const stamp = (value: Uint8Array | Buffer | null) => Number(/"t":([\d.]+)/.exec(Buffer.from(value!).toString("latin1"))![1]);

async function skp(broker: string, rate: number, fetchMaxWaitMs?: number): Promise<number[]> {
  const topic = `latency-${topics++}`;
  await mock.command(`topic ${topic} 3`);
  const latencies: number[] = [];
  const q = await readStream(kafkaSource({ brokers: [broker], topic, startingOffsets: "latest", logLevel: "nothing", fetchMaxWaitMs }))
    .writeStream.foreachBatch((rows) => {
      const at = now();
      for (const r of rows) latencies.push(at - stamp(r.value));
    })
    .start();
  await new Promise((r) => setTimeout(r, 300)); // idle, watching
  await produce([broker], topic, rate);
  await new Promise((r) => setTimeout(r, 1_000));
  await q.stop();
  return latencies;
}

async function rawKafkajs(broker: string, rate: number): Promise<number[]> {
  const topic = `latency-${topics++}`;
  await mock.command(`topic ${topic} 3`);
  const kafka = new Kafka({ brokers: [broker], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `raw-${crypto.randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const latencies: number[] = [];
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  void consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const at = now();
      for (const m of batch.messages) latencies.push(at - stamp(m.value));
    },
  });
  await joined;
  await produce([broker], topic, rate);
  await new Promise((r) => setTimeout(r, 1_000));
  await consumer.disconnect();
  return latencies;
}

/** CPU (ms per second) of this process while a query on an empty topic waits. */
async function idleCpu(broker: string, fetchMaxWaitMs?: number): Promise<number> {
  const topic = `latency-${topics++}`;
  await mock.command(`topic ${topic} 3`);
  const q = await readStream(kafkaSource({ brokers: [broker], topic, logLevel: "nothing", fetchMaxWaitMs }))
    .writeStream.foreachBatch(() => {})
    .start();
  await new Promise((r) => setTimeout(r, 500));
  const before = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 3_000));
  const used = process.cpuUsage(before);
  await q.stop();
  return (used.user + used.system) / 1000 / 3;
}

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const row = (what: string, xs: number[]) =>
  `| ${what} | ${xs.length.toLocaleString("en-US")} | ${pct(xs, 0.5).toFixed(1)} | ${pct(xs, 0.99).toFixed(1)} |`;

console.log(`\n${SECONDS} s per run, node ${process.version}`);
console.log("| setup | events | p50 ms | p99 ms |\n|---|---:|---:|---:|");
for (const rate of RATES) {
  const r = `${rate.toLocaleString("en-US")}/s`;
  console.log(row(`${r}, Kafka-like broker: skp (watch wait 500 ms, the default)`, await skp(proxy, rate)));
  console.log(row(`${r}, Kafka-like broker: raw kafkajs eachBatch (100 ms wait)`, await rawKafkajs(proxy, rate)));
  console.log(row(`${r}, mock: skp, watch wait 500 ms`, await skp(mock.brokers[0]!, rate)));
  console.log(row(`${r}, mock: skp, watch wait 10 ms`, await skp(mock.brokers[0]!, rate, 10)));
  console.log(row(`${r}, mock: skp, no watch (100 ms poll)`, await skp(mock.brokers[0]!, rate, 0)));
}
console.log(
  `\nidle CPU of the query's process, Kafka-like broker: ${(await idleCpu(proxy)).toFixed(1)} ms/s with the watch; ${(await idleCpu(proxy, 0)).toFixed(1)} ms/s polling only`,
);
other.send({ exit: true });
await mock.stop();
