/**
 * What the scale-out tests' child processes share: their arguments, the grouped Kafka source they read,
 * and a clean stop on SIGTERM (SIGKILL is a crash).
 */
import type { StreamingQuery } from "@skp/core";
import { readStream } from "@skp/core";
import { kafkaSource } from "../src/index.js";
import { leaderSyncsLast } from "./mock-broker.js";

/** `<workDir> <brokers> <topic> <groupId>`, or a usage error naming the script. */
export function childArgs(script: string): { workDir: string; brokers: string; topic: string; groupId: string } {
  const [workDir, brokers, topic, groupId] = process.argv.slice(2);
  if (!workDir || !brokers || !topic || !groupId) throw new Error(`usage: ${script} <workDir> <brokers> <topic> <groupId>`);
  return { workDir, brokers, topic, groupId };
}

/**
 * The topic read as a member of `groupId`, from the beginning, in small batches; with
 * `SKP_CO_PARTITIONED=1`, declared co-partitioned (no repartition before a stateful operator).
 */
export function readGroup(args: { brokers: string; topic: string; groupId: string }, maxOffsetsPerTrigger: number) {
  return readStream(
    kafkaSource({
      brokers: args.brokers.split(","),
      topic: args.topic,
      groupId: args.groupId,
      coPartitioned: process.env.SKP_CO_PARTITIONED === "1",
      startingOffsets: "earliest",
      maxOffsetsPerTrigger,
      sessionTimeoutMs: 6_000,
      partitionAssigners: [leaderSyncsLast],
      logLevel: (process.env.SKP_KAFKA_LOG as "info" | undefined) ?? "error",
    }),
  );
}

/** Reports "ready", stops cleanly on SIGTERM, and waits for the query to end. */
export async function runChild(query: StreamingQuery<any>): Promise<void> {
  process.stdout.write("ready\n");
  process.on("SIGTERM", () => {
    void query.stop().then(() => process.exit(0));
  });
  await query.awaitTermination();
}
