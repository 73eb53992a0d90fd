/**
 * The seed's streaming job on skp: Kafka `events` → parse JSON → (1) parsed rows on the console for
 * debugging, (2) 10-second windows with a 30-second watermark averaging `value` per `id` on the console
 * and to the topic `events-avg`, (3) the parsed events to Parquet partitioned by `id` in
 * `data/output/parquet/run_<id>/`, with the checkpoint in `run_<id>/_chk` — malformed messages to the
 * dead-letter topic `events-dlq` instead, raw bytes and reason. A status line shows progress; Ctrl-C
 * stops after the current batch.
 *
 * skp's UI serves a live dashboard of the queries at http://127.0.0.1:4040/ (`--ui off`: none).
 *
 *   pnpm job --brokers localhost:9094 --run-id 1730874341
 */

import type { StreamingQuery } from "@skp/core";
import { avg, consoleSink, count, double, int, readStream, string, struct, timestamp, window } from "@skp/core";
import { kafkaSink } from "@skp/kafka-sink";
import { kafkaSource } from "@skp/kafka-source";
import { parquetSink } from "@skp/parquet-sink";
import type { PipelineConfig } from "./config.js";
import { readConfig, runDir } from "./config.js";
import { startUi } from "./ui.js";

export const eventSchema = struct({ id: int(), ts: timestamp(), value: double(), source: string() });

export interface Job {
  queries: { debug: StreamingQuery; averages: StreamingQuery; averagesOut: StreamingQuery; parquet: StreamingQuery };
  /** Waits until everything in Kafka now is processed by all three queries. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export interface JobOptions {
  /** Where console tables go. Default stdout. */
  print?: (text: string) => void;
  /** Console trigger interval. Default "5 seconds". */
  consoleEvery?: string;
  /** Show the live status line. Default true. */
  status?: boolean;
}

export async function startJob(config: PipelineConfig, options: JobOptions = {}): Promise<Job> {
  const { print = (t: string) => process.stdout.write(`${t}\n`), consoleEvery = "5 seconds", status = true } = options;
  const read = (groupId?: string) =>
    readStream(
      kafkaSource({
        brokers: config.brokers,
        topic: config.topic,
        startingOffsets: "earliest",
        logLevel: "nothing",
        groupId,
        // The producer keys events by id, the averages' grouping column: no repartition needed.
        coPartitioned: true,
      }),
    );
  const shared = read();
  // Scaled out (--group-id): each checkpointed query reads through its own group, so jobs sharing the
  // group id split its partitions; the averages' window state moves with them (docs/scale-out.md).
  const input = (name: string) => (config.groupId ? read(`${config.groupId}-${name}`) : shared);
  const dir = runDir(config);
  const averagesOf = (name: string) =>
    input(name)
      .parseJson(eventSchema, { mode: "dropMalformed" }) // counted in progress; their raw bytes go to the DLQ below
      .withWatermark("ts", "30 seconds")
      .groupBy(window("ts", "10 seconds"), "id")
      .agg(avg("value").as("avg_value"), count().as("events"));

  // Debugging view: a malformed message shows as a row of nulls here (Spark's PERMISSIVE), and is counted.
  const debug = await shared
    .parseJson(eventSchema)
    .writeStream.queryName("parsed-events")
    .trigger({ processingTime: consoleEvery })
    .format(consoleSink({ numRows: 5, print }))
    .start();

  const averagesWriter = averagesOf("averages")
    .writeStream.queryName("avg-by-id")
    .outputMode("update")
    .trigger({ processingTime: consoleEvery })
    .format(consoleSink({ truncate: false, print }));
  if (config.groupId) averagesWriter.option("checkpointLocation", `${dir}/_chk_averages`);
  const averages = await averagesWriter.start();

  // The same averages to a topic, for whoever consumes them downstream.
  const averagesOut = await averagesOf("averages-out")
    .writeStream.queryName("avg-to-kafka")
    .outputMode("update")
    .trigger({ processingTime: consoleEvery })
    .option("checkpointLocation", `${dir}/_chk_avg_kafka`)
    .format(kafkaSink({ brokers: config.brokers, topic: config.avgTopic, key: "id" }))
    .start();

  // Parquet holds good events only: a malformed message goes to the dead-letter topic with its raw
  // bytes, the reason and its Kafka coordinates, exactly as received — never a row of nulls that
  // breaks a reader (pandas cannot merge an all-null hive partition).
  const parquet = await input("parquet")
    .parseJson(eventSchema, { mode: "quarantine", deadLetters: kafkaSink({ brokers: config.brokers, topic: config.dlqTopic }) })
    .writeStream.queryName("parquet")
    .trigger({ processingTime: "2 seconds" })
    .option("checkpointLocation", `${dir}/_chk`)
    .format(parquetSink({ path: dir, partitionBy: ["id"] }))
    .start();

  const queries = { debug, averages, averagesOut, parquet };
  const timer = status ? startStatusLine(queries) : undefined;
  return {
    queries,
    async drain() {
      await Promise.all(Object.values(queries).map((q) => q.processAllAvailable()));
    },
    async stop() {
      if (timer) clearInterval(timer);
      await Promise.all(Object.values(queries).map((q) => q.stop()));
    },
  };
}

/** One line of progress: batch, rates, watermark, state rows (Spark UI's essentials, in a terminal). */
function startStatusLine(queries: Job["queries"]): NodeJS.Timeout {
  const tty = process.stderr.isTTY;
  let ticks = 0;
  return setInterval(() => {
    ticks++;
    if (!tty && ticks % 10 !== 0) return;
    const p = queries.parquet.lastProgress,
      a = queries.averages.lastProgress;
    const line =
      `[job] batch ${p?.batchId ?? "-"} | input ${(p?.inputRowsPerSecond ?? 0).toFixed(1)} rows/s | ` +
      `processed ${(p?.processedRowsPerSecond ?? 0).toFixed(0)} rows/s | watermark ${a?.eventTime.watermark ?? "-"} | ` +
      `state rows ${a?.stateOperators[0]?.numRowsTotal ?? 0} | malformed ${queries.parquet.recentProgress.reduce((n, x) => n + x.numRowsMalformed, 0)}`;
    process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
  }, 1_000);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = readConfig();
  console.log(`[job] reading ${config.topic} from ${config.brokers.join(",")}; Parquet → ${runDir(config)}`);
  const job = await startJob(config);
  const ui = await startUi(config);
  if (ui) console.log(`[job] UI: ${ui.url} (live dashboard; Prometheus metrics at ${ui.url}metrics)`);
  const stop = async () => {
    console.log("\n[job] stopping after the current batch...");
    await job.stop();
    await ui?.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await Promise.race(Object.values(job.queries).map((q) => q.awaitTermination()));
}
