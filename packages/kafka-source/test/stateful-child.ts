/**
 * Stateful scale-out test child: one process of a grouped windowed aggregation (10 s windows by id,
 * 5 s watermark delay, count and sum, append mode). Writes every batch's emitted windows to one file
 * per batch (idempotent), checkpointed. SIGTERM stops it cleanly; SIGKILL is a crash.
 *
 *   node --import tsx test/stateful-child.ts <workDir> <brokers> <topic> <groupId>
 */
import { join } from "node:path";
import { count, int, long, struct, sum, timestamp, window } from "@skp/core";
import { batchFileSink } from "../../core/scripts/file-sink.js";
import { childArgs, readGroup, runChild } from "./child-query.js";

const args = childArgs("stateful-child.ts");
const query = await readGroup(args, 120)
  .parseJson(struct({ id: int(), ts: timestamp(), value: long() }))
  .withWatermark("ts", "5 seconds")
  .groupBy(window("ts", "10 seconds"), "id")
  .agg(count().as("n"), sum("value").as("total"))
  .writeStream.outputMode("append")
  .trigger({ processingTime: "50 milliseconds" })
  .option("checkpointLocation", join(args.workDir, "_chk"))
  .format(batchFileSink(join(args.workDir, "out")))
  .start();
await runChild(query);
