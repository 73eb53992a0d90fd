/**
 * The full run of the two-process crash harness (test/group-crash.ts): a stateful query in one group
 * over two processes, either one killed with SIGKILL at random moments and restarted, `kills` times,
 * on librdkafka's mock cluster (or KAFKA_BROKERS).
 *
 *   node --import tsx scripts/group-crash-harness.ts [kills=100] [seconds=1200] [repartitioned|co-partitioned]
 *
 * Repartitioned (the default): every id's events rotate over the partitions, and the processes
 * repartition them by id; co-partitioned: messages keyed by id, declared `coPartitioned`.
 */
import { runGroupCrash } from "../test/group-crash.js";
import { startBroker } from "../test/mock-broker.js";

const kills = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 1_200);
const coPartitioned = process.argv[4] === "co-partitioned";
const broker = await startBroker();
try {
  const r = await runGroupCrash(broker, { kills, seconds, coPartitioned, log: (s) => process.stdout.write(`${s}\n`) });
  process.stdout.write(`${JSON.stringify(r)}\n`);
  if (r.duplicates || r.missing || r.wrong || r.emitted !== r.windows) process.exitCode = 1;
} finally {
  await broker.stop();
}
