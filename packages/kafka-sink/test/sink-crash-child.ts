/**
 * Crash test child: a checkpointed query over a replayable source writing to kafkaSink, trigger
 * availableNow. The harness kills it with SIGKILL at random moments and starts it again.
 *
 *   node --import tsx test/sink-crash-child.ts <workDir> <rows> <brokers>
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReadLimit, Source } from "@skp/core";
import { int, readStream } from "@skp/core";
import { kafkaSink } from "../src/index.js";

const [workDir, rowsArg, brokers] = process.argv.slice(2);
if (!workDir || !brokers) throw new Error("usage: sink-crash-child.ts <workDir> <rows> <brokers>");
const TOTAL = Number(rowsArg);
// One topic per run of the query (the harness reuses directory names between runs).
mkdirSync(workDir, { recursive: true });
const topicFile = join(workDir, "topic");
if (!existsSync(topicFile)) writeFileSync(topicFile, `sink-${Date.now()}-${process.pid}`);
const topic = readFileSync(topicFile, "utf8");

const source: Source<{ i: number; k: number }, number> = {
  description: "SequenceSource",
  identity: `SequenceSource(${TOTAL})`,
  fields: { i: int(), k: int() },
  initialOffset: () => 0,
  latestOffset: (start: number, limit: ReadLimit) => Math.min(TOTAL, limit.maxRows === undefined ? TOTAL : start + limit.maxRows),
  getBatch: (start: number, end: number) => Array.from({ length: end - start }, (_, n) => ({ i: start + n, k: (start + n) % 7 })),
  commit() {},
  stop() {},
};

const query = await readStream(source, { maxOffsetsPerTrigger: 50 })
  .writeStream.trigger({ availableNow: true })
  .option("checkpointLocation", join(workDir, "_chk"))
  .format(kafkaSink({ brokers: brokers.split(","), topic, key: "k" }))
  .start();
process.stdout.write("ready\n");
await query.awaitTermination();
writeFileSync(join(workDir, "DONE"), String(query.lastProgress?.batchId ?? -1));
