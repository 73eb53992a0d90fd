/**
 * Benchmark: events/s through kafkaSource → parseJson → 10 s windows → avg by id, against raw kafkajs
 * `eachBatch` consumption (+ JSON.parse) of the same topic, in the same run, against the broker in
 * `KAFKA_BROKERS` or librdkafka's mock cluster. Group-join time is excluded from both.
 *
 *   tsx bench/kafka-throughput.bench.ts [events=120000]
 */

import { logLevel } from "kafkajs";
import { benchTopic, timeWindowed } from "./workload.js";

const EVENTS = Number(process.argv[2] ?? 120_000);
/** Bounded batches, as a streaming job runs them; the source prefetches the next while one is processed. */
const PER_BATCH = Number(process.env.BENCH_BATCH ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const { broker, topic } = await benchTopic("bench", EVENTS, 10);

async function rawKafkajs(): Promise<number> {
  const consumer = broker.kafka.consumer({ groupId: `bench-raw-${crypto.randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0,
    started = 0;
  const done = new Promise<number>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      started = performance.now();
    });
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          JSON.parse(m.value!.toString());
          seen++;
        }
        if (seen >= EVENTS) resolve(performance.now() - started);
      },
    });
  });
  const ms = await done;
  await consumer.disconnect();
  return ms;
}

async function skp(prefetchOffsets: number, reader: "fetch" | "consumer" = "fetch"): Promise<number> {
  const run = await timeWindowed(broker, topic, { maxOffsetsPerTrigger: PER_BATCH, prefetchOffsets, reader });
  if (process.env.BENCH_DEBUG) console.log(run.progress.map((p) => JSON.stringify(p.durationMs)).join("\n"));
  if (run.input !== EVENTS || run.output === 0) throw new Error(`skp read ${run.input} of ${EVENTS} events`);
  return run.ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const raw: number[] = [],
  ours: number[] = [],
  serial: number[] = [],
  viaConsumer: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  raw.push(await rawKafkajs());
  ours.push(await skp(50_000));
  serial.push(await skp(0));
  viaConsumer.push(await skp(50_000, "consumer"));
  console.log(
    `round ${r + 1}: kafkajs ${raw.at(-1)!.toFixed(0)} ms, skp ${ours.at(-1)!.toFixed(0)} ms, skp without prefetch ${serial.at(-1)!.toFixed(0)} ms, skp reader: consumer ${viaConsumer.at(-1)!.toFixed(0)} ms`,
  );
}
await broker.stop();
const rawRate = EVENTS / (median(raw) / 1000),
  skpRate = EVENTS / (median(ours) / 1000);
console.log(
  `\n${EVENTS.toLocaleString("en-US")} events, 3 partitions, ${PER_BATCH.toLocaleString("en-US")} offsets per batch, ${process.env.KAFKA_BROKERS ? "KAFKA_BROKERS" : "librdkafka mock cluster"}, median of ${ROUNDS}, node ${process.version}`,
);
console.log("| pipeline | events/s | ratio |");
console.log("|---|---:|---:|");
console.log(`| raw kafkajs eachBatch + JSON.parse | ${Math.round(rawRate).toLocaleString("en-US")} | 1.00 |`);
const serialRate = EVENTS / (median(serial) / 1000);
console.log(
  `| skp: kafkaSource → parseJson → window → avg (prefetch off) | ${Math.round(serialRate).toLocaleString("en-US")} | ${(serialRate / rawRate).toFixed(2)} |`,
);
const consumerRate = EVENTS / (median(viaConsumer) / 1000);
console.log(
  `| skp, reader: "consumer" (kafkajs consumer decoding) | ${Math.round(consumerRate).toLocaleString("en-US")} | ${(consumerRate / rawRate).toFixed(2)} |`,
);
console.log(
  `| skp: kafkaSource → parseJson → window → avg (default: reader "fetch", prefetch) | ${Math.round(skpRate).toLocaleString("en-US")} | ${(skpRate / rawRate).toFixed(2)} |`,
);
const perRound = (xs: number[]) => median(xs.map((ms, i) => raw[i]! / ms)).toFixed(2);
console.log(
  `\nmedian of per-round ratios (each against the raw run just before it): default ${perRound(ours)}, prefetch off ${perRound(serial)}, reader "consumer" ${perRound(viaConsumer)}`,
);
void logLevel;
