/**
 * Scale-out test child: one process of a grouped query. Reads the topic as a member of `groupId`,
 * writes the (partition, offset, id) of every row it processes to one file per batch (idempotent),
 * checkpointed. SIGTERM stops it cleanly; SIGKILL is a crash.
 *
 *   node --import tsx test/group-child.ts <workDir> <brokers> <topic> <groupId>
 */
import { join } from "node:path";
import { int, readStream, struct } from "@skp/core";
import { batchFileSink } from "../../core/scripts/file-sink.js";
import { kafkaSource } from "../src/index.js";
import { leaderSyncsLast } from "./mock-broker.js";

const [workDir, brokers, topic, groupId] = process.argv.slice(2);
if (!workDir || !brokers || !topic || !groupId) throw new Error("usage: group-child.ts <workDir> <brokers> <topic> <groupId>");

const query = await readStream(
  kafkaSource({
    brokers: brokers.split(","),
    topic,
    groupId,
    startingOffsets: "earliest",
    maxOffsetsPerTrigger: 150,
    sessionTimeoutMs: 6_000,
    partitionAssigners: [leaderSyncsLast],
    logLevel: (process.env.SKP_KAFKA_LOG as "info" | undefined) ?? "error",
  }),
)
  .parseJson(struct({ id: int() }), { keep: ["partition", "offset"] })
  .writeStream.trigger({ processingTime: "50 milliseconds" })
  .option("checkpointLocation", join(workDir, "_chk"))
  .format(batchFileSink(join(workDir, "out")))
  .start();
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void query.stop().then(() => process.exit(0));
});
await query.awaitTermination();
