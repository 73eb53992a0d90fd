/**
 * The Parquet benchmarks' workload, one definition for the throughput bench and the A/B: rows
 * `{ id (10 values), ts, value, source }`, written in batches of 50,000 partitioned by `id`.
 */
import { execFileSync } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { double, int, MemoryStream, readStream, string, struct, timestamp } from "@skp/core";
import type { parquetSink } from "../src/index.js";

export const BATCH = 50_000;
export const IDS = 10;
const T0 = Date.UTC(2025, 10, 6, 7);
const schema = struct({ id: int(), ts: timestamp(), value: double(), source: string() });

export const benchRows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: i % IDS, ts: T0 + i * 5, value: (i % 1000) / 10, source: "sim-producer" }));

/**
 * Flushes every dirty page before a writer starts, so no writer's fsyncs pay for the data an earlier
 * writer left unsynced (on ext4 a journal commit writes out other files' data too).
 */
export const flushFileSystem = () => execFileSync("sync");

/** One run of `rows` through a sink (`sink` is this or an earlier version of parquetSink) into `dir`. */
export async function runSink(
  sink: typeof parquetSink,
  rows: readonly object[],
  dir: string,
  encodeThreads?: number,
): Promise<{ ms: number; maxStallMs: number }> {
  const input = new MemoryStream(schema);
  input.addData(rows as never);
  const stall = monitorEventLoopDelay({ resolution: 10 });
  flushFileSystem();
  const start = performance.now();
  stall.enable();
  const q = await readStream(input, { maxOffsetsPerTrigger: BATCH })
    .writeStream.format(sink({ path: dir, partitionBy: ["id"], compaction: false, encodeThreads }))
    .start();
  await q.processAllAvailable();
  await q.stop();
  stall.disable();
  return { ms: performance.now() - start, maxStallMs: stall.max / 1e6 };
}
