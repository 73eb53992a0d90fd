/**
 * Child process of the crash harness: a windowed aggregation over a deterministic source, with a
 * checkpoint and an idempotent file-backed sink, run with trigger availableNow. The parent kills it
 * with SIGKILL at random moments and starts it again until it finishes.
 *
 *   node --import tsx scripts/crash-child.ts <workDir> <rows>
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReadLimit, Source } from "../src/index.js";
import { count, int, readStream, sum, timestamp, window } from "../src/index.js";
import { batchFileSink } from "./file-sink.js";

const [workDir, rowsArg] = process.argv.slice(2);
if (!workDir) throw new Error("usage: crash-child.ts <workDir> <rows>");
const TOTAL = Number(rowsArg ?? 3_000);

/** Row i, computed from i alone, so any range can be replayed exactly. Event time wanders back up to 1.5 s. */
function row(i: number) {
  const jitter = ((i * 7_919) % 31) * 50;
  return { id: i % 5, ts: i * 100 - jitter, v: i % 13 };
}

const source: Source<{ id: number; ts: number; v: number }, number> = {
  description: "SequenceSource",
  identity: `SequenceSource(${TOTAL})`,
  fields: { id: int(), ts: timestamp(), v: int() },
  initialOffset: () => 0,
  latestOffset: (start: number, limit: ReadLimit) => Math.min(TOTAL, limit.maxRows === undefined ? TOTAL : start + limit.maxRows),
  getBatch: (start: number, end: number) => Array.from({ length: end - start }, (_, k) => row(start + k)),
  commit() {},
  stop() {},
};

const query = await readStream(source, { maxOffsetsPerTrigger: 40 })
  .withWatermark("ts", "2 seconds")
  .groupBy(window("ts", "1 second"), "id")
  .agg(count().as("n"), sum("v").as("total"))
  .writeStream.outputMode("append")
  .trigger({ availableNow: true })
  .option("checkpointLocation", join(workDir, "_chk"))
  .format(batchFileSink(join(workDir, "out")))
  .start();
process.stdout.write("ready\n");
await query.awaitTermination();
writeFileSync(join(workDir, "DONE"), String(query.lastProgress?.batchId ?? -1));
