/**
 * Child process of the crash harness: a windowed aggregation over a deterministic source, with a
 * checkpoint and an idempotent file-backed sink, run with trigger availableNow. The parent kills it
 * with SIGKILL at random moments and starts it again until it finishes.
 *
 *   node --import tsx scripts/crash-child.ts <workDir> <rows> [window|join|dedup]
 *
 * `join`: a stream-stream left outer join of two such sources within a time range (both sides in
 * state, outer rows emitted at eviction); `dedup`: dropDuplicatesWithinWatermark over a source that
 * resends one row in five. `SKP_STATE_STORE=disk` keeps the state in LMDB instead of memory.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReadLimit, Source } from "../src/index.js";
import { count, int, readStream, sum, timestamp, window } from "../src/index.js";
import { batchFileSink } from "./file-sink.js";

const [workDir, rowsArg, kind = "window"] = process.argv.slice(2);
if (!workDir) throw new Error("usage: crash-child.ts <workDir> <rows> [window|join|dedup]");
const TOTAL = Number(rowsArg ?? 3_000);

/** Row i, computed from i alone, so any range can be replayed exactly. Event time wanders back up to 1.5 s. */
function row(i: number) {
  const jitter = ((i * 7_919) % 31) * 50;
  return { id: i % 5, ts: i * 100 - jitter, v: i % 13 };
}

/** A replayable source of rows computed from their offset. */
function sequence<R extends object>(name: string, fields: Source<R, number>["fields"], at: (i: number) => R): Source<R, number> {
  return {
    description: name,
    identity: `${name}(${TOTAL})`,
    fields,
    initialOffset: () => 0,
    latestOffset: (start: number, limit: ReadLimit) => Math.min(TOTAL, limit.maxRows === undefined ? TOTAL : start + limit.maxRows),
    getBatch: (start: number, end: number) => Array.from({ length: end - start }, (_, k) => at(start + k)),
    commit() {},
    stop() {},
  };
}

const source = sequence("SequenceSource", { id: int(), ts: timestamp(), v: int() }, row);
const frame = (() => {
  if (kind === "join") {
    // Clicks trail impressions by 0–4 s; one impression in seven is never clicked (its outer row).
    const clicks = sequence("ClickSource", { id: int(), clickTs: timestamp() }, (i) => ({
      id: i % 5,
      clickTs: i * 100 + ((i * 31) % 40) * 100,
    }));
    return readStream(source, { maxOffsetsPerTrigger: 40 })
      .filter((r) => r.v % 7 !== 3)
      .withWatermark("ts", "2 seconds")
      .join(readStream(clicks, { maxOffsetsPerTrigger: 30 }).withWatermark("clickTs", "2 seconds"), {
        on: "id",
        type: "leftOuter",
        timeRange: { left: "ts", right: "clickTs", lower: "0 seconds", upper: "1 second" },
      });
  }
  if (kind === "dedup") {
    const resent = sequence("ResendSource", { id: int(), ts: timestamp(), v: int() }, (i) => row(i % 5 === 4 ? i - 3 : i));
    return readStream(resent, { maxOffsetsPerTrigger: 40 }).withWatermark("ts", "2 seconds").dropDuplicatesWithinWatermark(["id", "v"]);
  }
  return readStream(source, { maxOffsetsPerTrigger: 40 })
    .withWatermark("ts", "2 seconds")
    .groupBy(window("ts", "1 second"), "id")
    .agg(count().as("n"), sum("v").as("total"));
})();

const query = await (frame as ReturnType<typeof readStream>).writeStream
  .outputMode("append")
  .trigger({ availableNow: true })
  .option("checkpointLocation", join(workDir, "_chk"))
  .option("stateStore", process.env.SKP_STATE_STORE === "disk" ? "disk" : "memory")
  .format(batchFileSink(join(workDir, "out")))
  .start();
process.stdout.write("ready\n");
await query.awaitTermination();
writeFileSync(join(workDir, "DONE"), String(query.lastProgress?.batchId ?? -1));
