/**
 * Stateful scale-out test child: one process of a grouped windowed aggregation (10 s windows by id,
 * 5 s watermark delay, count and sum, append mode). Writes every batch's emitted windows to one file
 * per batch (idempotent), checkpointed. SIGTERM stops it cleanly; SIGKILL is a crash.
 *
 *   node --import tsx test/stateful-child.ts <workDir> <brokers> <topic> <groupId>
 */
import { join } from "node:path";
import { count, int, long, readStream, struct, sum, timestamp, window } from "@skp/core";
import { batchFileSink } from "../../core/scripts/file-sink.js";
import { kafkaSource } from "../src/index.js";
import { leaderSyncsLast } from "./mock-broker.js";

const [workDir, brokers, topic, groupId] = process.argv.slice(2);
if (!workDir || !brokers || !topic || !groupId) throw new Error("usage: stateful-child.ts <workDir> <brokers> <topic> <groupId>");

const query = await readStream(
  kafkaSource({
    brokers: brokers.split(","),
    topic,
    groupId,
    startingOffsets: "earliest",
    maxOffsetsPerTrigger: 120,
    sessionTimeoutMs: 6_000,
    partitionAssigners: [leaderSyncsLast],
    logLevel: (process.env.SKP_KAFKA_LOG as "info" | undefined) ?? "error",
  }),
)
  .parseJson(struct({ id: int(), ts: timestamp(), value: long() }))
  .withWatermark("ts", "5 seconds")
  .groupBy(window("ts", "10 seconds"), "id")
  .agg(count().as("n"), sum("value").as("total"))
  .writeStream.outputMode("append")
  .trigger({ processingTime: "50 milliseconds" })
  .option("checkpointLocation", join(workDir, "_chk"))
  .format(batchFileSink(join(workDir, "out")))
  .start();
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void query.stop().then(() => process.exit(0));
});
await query.awaitTermination();
