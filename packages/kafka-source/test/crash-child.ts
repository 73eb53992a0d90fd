/**
 * Crash-harness child for the Kafka source: reads a pre-filled topic from the beginning with trigger
 * availableNow, aggregates 1-second windows, writes one file per batch (idempotent), checkpointed.
 *
 *   node --import tsx test/crash-child.ts <workDir> <brokers> <topic>
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { count, double, int, readStream, string, struct, sum, timestamp, window } from "@skp/core";
import { batchFileSink } from "../../core/scripts/file-sink.js";
import { kafkaSource } from "../src/index.js";

const [workDir, brokers, topic] = process.argv.slice(2);
if (!workDir || !brokers || !topic) throw new Error("usage: crash-child.ts <workDir> <brokers> <topic>");

const schema = struct({ id: int(), ts: timestamp(), value: double(), source: string() });
const query = await readStream(
  kafkaSource({ brokers: brokers.split(","), topic, startingOffsets: "earliest", maxOffsetsPerTrigger: 60, logLevel: "nothing" }),
)
  .parseJson(schema, { mode: "dropMalformed" })
  .withWatermark("ts", "2 seconds")
  .groupBy(window("ts", "1 second"), "id")
  .agg(count().as("n"), sum("value").as("total"))
  .writeStream.outputMode("append")
  .trigger({ availableNow: true })
  .option("checkpointLocation", join(workDir, "_chk"))
  .format(batchFileSink(join(workDir, "out")))
  .start();
process.stdout.write("ready\n");
await query.awaitTermination();
writeFileSync(join(workDir, "DONE"), String(query.lastProgress?.batchId ?? -1));
