/**
 * Scale-out test child: one process of a grouped query. Reads the topic as a member of `groupId`,
 * writes the (partition, offset, id) of every row it processes to one file per batch (idempotent),
 * checkpointed. SIGTERM stops it cleanly; SIGKILL is a crash.
 *
 *   node --import tsx test/group-child.ts <workDir> <brokers> <topic> <groupId>
 */
import { join } from "node:path";
import { int, struct } from "@skp/core";
import { batchFileSink } from "../../core/scripts/file-sink.js";
import { childArgs, readGroup, runChild } from "./child-query.js";

const args = childArgs("group-child.ts");
const query = await readGroup(args, 150)
  .parseJson(struct({ id: int() }), { keep: ["partition", "offset"] })
  .writeStream.trigger({ processingTime: "50 milliseconds" })
  .option("checkpointLocation", join(args.workDir, "_chk"))
  .format(batchFileSink(join(args.workDir, "out")))
  .start();
await runChild(query);
