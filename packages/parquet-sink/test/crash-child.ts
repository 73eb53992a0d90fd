/**
 * Crash-harness child for the Parquet sink: a deterministic source → raw rows → parquetSink
 * partitioned by id (compacting every 5 batches, so kills also land inside compactions), checkpointed,
 * trigger availableNow.
 *
 *   node --import tsx test/crash-child.ts <workDir> <rows>
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReadLimit, Source } from "@skp/core";
import { double, int, long, readStream, timestamp } from "@skp/core";
import { parquetSink } from "../src/index.js";

const [workDir, rowsArg] = process.argv.slice(2);
if (!workDir) throw new Error("usage: crash-child.ts <workDir> <rows>");
const TOTAL = Number(rowsArg ?? 2_000);

const source: Source<{ seq: number; id: number; ts: number; value: number }, number> = {
  description: "SequenceSource",
  identity: `SequenceSource(${TOTAL})`,
  fields: { seq: long(), id: int(), ts: timestamp(), value: double() },
  initialOffset: () => 0,
  latestOffset: (start: number, limit: ReadLimit) =>
    Math.min(TOTAL, limit.maxRows === undefined || limit.unbounded ? TOTAL : start + limit.maxRows),
  getBatch: (start: number, end: number) =>
    Array.from({ length: end - start }, (_, k) => {
      const i = start + k;
      return { seq: i, id: i % 4, ts: 1_762_412_400_000 + i * 250, value: (i * 13) % 97 };
    }),
  commit() {},
  stop() {},
};

const query = await readStream(source, { maxOffsetsPerTrigger: 50 })
  .writeStream.trigger({ availableNow: true })
  .option("checkpointLocation", join(workDir, "_chk"))
  .format(parquetSink({ path: join(workDir, "out"), partitionBy: ["id"], compaction: { everyBatches: 5, minFiles: 4 } }))
  .start();
process.stdout.write("ready\n");
await query.awaitTermination();
writeFileSync(join(workDir, "DONE"), "done");
