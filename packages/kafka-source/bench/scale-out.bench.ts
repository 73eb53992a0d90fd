/**
 * Benchmark of stateful scale-out, against librdkafka's mock cluster (or KAFKA_BROKERS):
 * 1. throughput of the windowed Kafka pipeline with `groupId` (state shards, a changelog write per
 *    batch, claims) against the same pipeline without it, in the same run, as a ratio — with the input
 *    declared co-partitioned, and repartitioned by grouping key (the default);
 * 2. restore rate: state rows per second read back from a changelog partition into a shard.
 *
 *   node --import tsx bench/scale-out.bench.ts [events=120000] [stateRows=50000]
 */
import { FetchReader } from "../src/fetch/fetch-reader.js";
import { kafkajsInternals } from "../src/fetch/kafkajs-internals.js";
import { encodeBatch } from "../src/state/changelog-format.js";
import { ShardLog } from "../src/state/shard-log.js";
import { benchTopic, timeWindowed } from "./workload.js";

const EVENTS = Number(process.argv[2] ?? 120_000);
// librdkafka's mock keeps only the newest ~56k messages of a partition: a larger shard cannot be stored there.
const STATE_ROWS = Number(process.argv[3] ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PER_BATCH = 20_000;
// 10 ids, as the Kafka throughput bench (the seed's); BENCH_IDS=1000 makes the changelog as large as the input.
const IDS = Number(process.env.BENCH_IDS ?? 10);
const { broker, topic } = await benchTopic("bench-so", EVENTS, IDS);

async function pipeline(groupId: string | undefined, coPartitioned = true): Promise<number> {
  const run = await timeWindowed(broker, topic, { maxOffsetsPerTrigger: PER_BATCH, groupId, coPartitioned });
  if (process.env.BENCH_DEBUG) for (const p of run.progress) console.log(p.batchId, p.numInputRows, JSON.stringify(p.durationMs));
  // Repartitioned, the query's progress is its second stage's (its input: the repartition topic's messages).
  if (coPartitioned && run.input !== EVENTS) throw new Error(`read ${run.input} of ${EVENTS} events`);
  if (run.output === 0) throw new Error("no output");
  return run.ms;
}

async function restoreRate(): Promise<{ rows: number; ms: number }> {
  const log = `bench-changelog-${Date.now()}`;
  await broker.createTopic(log, 1);
  const producer = broker.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const value = { k: [7], s: 0, e: 10_000, a: [{ sum: 12.5, count: 3 }, 3] };
  for (let i = 0; i < STATE_ROWS; i += 5_000) {
    const changes = Array.from({ length: Math.min(5_000, STATE_ROWS - i) }, (_, j) => [`${i + j}\u0000"key-${i + j}`, value] as const);
    const batch = encodeBatch(0, changes, { token: `t${i}`, batchId: i, watermark: { watermarkMs: 0, operatorWatermarks: {} } });
    await producer.send({ topic: log, messages: batch });
  }
  await producer.disconnect();
  const internals = kafkajsInternals(broker.kafka)!;
  const reader = new FetchReader(internals, [log], 30_000);
  await reader.start();
  const admin = broker.kafka.admin();
  await admin.connect();
  const last = `t${Math.floor((STATE_ROWS - 1) / 5_000) * 5_000}`;
  const t0 = performance.now();
  const restored = await new ShardLog(reader, () => admin, log).restore(0);
  if (restored.marker?.token !== last) throw new Error(`restored up to ${restored.marker?.token}, not ${last}`);
  const ms = performance.now() - t0;
  await reader.stop();
  await admin.disconnect();
  return { rows: restored.entries.size, ms };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const without: number[] = [],
  grouped: number[] = [],
  repartitioned: number[] = [],
  ratios: number[] = [];
await pipeline(undefined); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  const a = await pipeline(undefined);
  const b = await pipeline(`bench-group-${Date.now()}-${r}`);
  const c = await pipeline(`bench-rgroup-${Date.now()}-${r}`, false);
  without.push(a);
  grouped.push(b);
  repartitioned.push(c);
  ratios.push(a / b);
  console.log(
    `round ${r + 1}: without groupId ${a.toFixed(0)} ms, groupId co-partitioned ${b.toFixed(0)} ms, repartitioned ${c.toFixed(0)} ms`,
  );
}
const rate = (ms: number) => Math.round((EVENTS / ms) * 1000).toLocaleString("en-US");
console.log(
  `\n${EVENTS.toLocaleString("en-US")} events, 3 partitions, ${IDS} ids, ${PER_BATCH.toLocaleString("en-US")} offsets per batch, median of ${ROUNDS}, node ${process.version}`,
);
console.log("| pipeline | events/s | ratio |\n|---|---:|---:|");
console.log(`| windowed avg, no groupId (state in memory) | ${rate(median(without))} | 1.00 |`);
console.log(
  `| windowed avg, groupId (state shards, changelog written every batch) | ${rate(median(grouped))} | ${(median(without) / median(grouped)).toFixed(2)} |`,
);
console.log(
  `| windowed avg, groupId, repartitioned by grouping key (two stages) | ${rate(median(repartitioned))} | ${(median(without) / median(repartitioned)).toFixed(2)} |`,
);
console.log(`median of per-round ratios (co-partitioned): ${median(ratios).toFixed(2)}`);
const restore = await restoreRate();
console.log(
  `\nrestore: ${restore.rows.toLocaleString("en-US")} state rows from one changelog partition in ${restore.ms.toFixed(0)} ms = ${Math.round((restore.rows / restore.ms) * 1000).toLocaleString("en-US")} rows/s`,
);
await broker.stop();
