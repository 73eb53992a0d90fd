/**
 * One command, no Docker: producer + streaming job + validation, for a bounded time.
 *
 * Embedded mode (default): Kafka is librdkafka's mock cluster — a real Kafka protocol implementation
 * that runs in a small local process (tools/mock-kafka), holding data in memory. The producer and the
 * job talk to it over TCP exactly as they would to a broker. With KAFKA_BROKERS set, the demo uses that
 * cluster instead (creating the topic with 3 partitions if needed).
 *
 *   pnpm demo                          # 20 s at 5 events/s, 10 ids
 *   DURATION=60 RATE=20 pnpm demo
 */
import { resolve } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { MockKafka } from "../../../tools/mock-kafka/mock-kafka.js";
import { startMockKafka } from "../../../tools/mock-kafka/mock-kafka.js";
import { readConfig, runDir, topicsOf } from "./config.js";
import { startJob } from "./job.js";
import { runProducer } from "./producer.js";
import { startUi } from "./ui.js";
import { validate } from "./validate.js";

const config = readConfig();
if (!config.duration) config.duration = 20;
// The demo mixes in a little bad data, to show it handled: one message in a hundred is malformed.
if (!process.argv.some((a) => a.startsWith("--malformed-rate")) && !process.env.MALFORMED_RATE) config.malformedRate = 0.01;
let mock: MockKafka | undefined;
if (process.env.KAFKA_BROKERS) {
  console.log(`[demo] using Kafka at ${config.brokers.join(",")}`);
  const admin = new Kafka({ clientId: "skp-demo", brokers: config.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const existing = await admin.listTopics();
  const missing = topicsOf(config).filter((t) => !existing.includes(t));
  if (missing.length > 0) await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: 3 })), waitForLeaders: true });
  await admin.disconnect();
} else {
  mock = await startMockKafka([`${config.topic}:3`, `${config.dlqTopic}:1`, `${config.avgTopic}:3`]);
  config.brokers = mock.brokers;
  console.log(
    `[demo] embedded mode: librdkafka's mock Kafka cluster at ${config.brokers.join(",")} (topic "${config.topic}", 3 partitions, in memory; no Docker)`,
  );
}
console.log(`[demo] run ${config.runId}: ${config.rate} events/s, ${config.ids} ids, ${config.duration} s → ${runDir(config)}`);

const job = await startJob(config);
const ui = await startUi(config);
if (ui) console.log(`[demo] skp UI: ${ui.url} — open it while the demo runs (--ui off: none)`);
await runProducer(config);
console.log("[demo] producer finished; letting the job catch up...");
await job.drain();
await job.stop();
await ui?.close();
const result = await validate(config);
console.log(`\n${result.report}`);
console.log(`\nRead it with pandas: python -c "import pandas as pd; print(pd.read_parquet('${resolve(runDir(config))}/').head())"`);
await mock?.stop();
process.exit(result.matches === false ? 1 : 0);
