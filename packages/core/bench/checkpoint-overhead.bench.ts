/**
 * Benchmark: the cost of checkpointing. The same windowed aggregation (parse → 10 s windows → avg by
 * id) runs with and without `checkpointLocation` at two batch sizes, rounds interleaved, each run in a
 * process of its own after a warm-up run: in one process, a run pays for the garbage of the one
 * before (which made whichever ran second look 10–20 % faster or slower at 20,000-row batches).
 * Reports events/s while the query runs (from `start()` resolving to `processAllAvailable()`) for
 * both, the median of the per-round ratios, the added milliseconds per batch, and the one-time costs
 * of a checkpointed start (open, lock, recover) and stop (last write, copies of the log entries) apart.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { avg, double, int, MemoryStream, readStream, string, struct, timestamp, window } from "../src/index.js";

/** Events per run: 200 batches at each size, so the first batch's costs do not weigh on the figure. */
const BATCHES = Number(process.argv[2] ?? 200);
const BATCH_SIZES = (process.env.SIZES ?? "1000,20000").split(",").map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const T0 = Date.parse("2025-11-06T07:00:00Z");
const CHILD = process.env.CHECKPOINT_BENCH_RUN; // "<batch>:<checkpoint 0|1>" in a child process

const events = CHILD
  ? Array.from({ length: Number(CHILD.split(":")[0]) * BATCHES }, (_, i) =>
      JSON.stringify({ id: i % 10, ts: new Date(T0 + i * 5).toISOString(), value: (i % 1000) / 10, source: "sim-producer" }),
    )
  : [];

async function run(batch: number, checkpoint: boolean) {
  const input = new MemoryStream(struct({ value: string() }), { name: "bench" });
  input.addData(events.slice(0, batch * BATCHES).map((value) => ({ value })));
  const dir = checkpoint ? mkdtempSync(join(tmpdir(), "skp-bench-chk-")) : undefined;
  const writer = readStream(input, { maxOffsetsPerTrigger: batch })
    .parseJson(struct({ id: int(), ts: timestamp(), value: double(), source: string() }), { mode: "dropMalformed" })
    .withWatermark("ts", "30 seconds")
    .groupBy(window("ts", "10 seconds"), "id")
    .agg(avg("value").as("avg_value"))
    .writeStream.outputMode("append")
    .foreachBatch(() => {});
  if (dir) writer.option("checkpointLocation", dir);
  const t0 = performance.now();
  const q = await writer.start();
  const t1 = performance.now();
  await q.processAllAvailable();
  const t2 = performance.now();
  await q.stop();
  const t3 = performance.now();
  if (dir) rmSync(dir, { recursive: true, force: true });
  return { start: t1 - t0, run: t2 - t1, stop: t3 - t2, batches: q.lastProgress!.batchId + 1 };
}

/** One measured run in a fresh process (after a warm-up run there). */
function runApart(batch: number, checkpoint: boolean): Awaited<ReturnType<typeof run>> {
  const out = execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), String(BATCHES)], {
    env: { ...process.env, CHECKPOINT_BENCH_RUN: `${batch}:${checkpoint ? 1 : 0}` },
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

if (CHILD) {
  const [batch, checkpoint] = CHILD.split(":").map(Number) as [number, number];
  await run(batch, checkpoint === 1);
  console.log(JSON.stringify(await run(batch, checkpoint === 1)));
} else {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const lines: string[] = [];
  for (const batch of BATCH_SIZES) {
    const plain: number[] = [];
    const chk: { start: number; run: number; stop: number }[] = [];
    const ratios: number[] = [];
    let batches = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const p = runApart(batch, false);
      const c = runApart(batch, true);
      plain.push(p.run);
      chk.push(c);
      ratios.push(p.run / c.run);
      batches = c.batches;
    }
    const p = median(plain);
    const c = median(chk.map((x) => x.run));
    lines.push(
      `| ${batch.toLocaleString("en-US")} | ${batches} | ${fmt((batch * BATCHES) / (p / 1000))} | ${fmt((batch * BATCHES) / (c / 1000))} | **${median(ratios).toFixed(2)}** (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ${((c - p) / batches).toFixed(2)} | ${median(chk.map((x) => x.start)).toFixed(0)} / ${median(chk.map((x) => x.stop)).toFixed(0)} |`,
    );
  }
  console.log(`\n${BATCHES} batches a run, ${ROUNDS} interleaved rounds (medians), each run in its own process, node ${process.version}`);
  console.log(
    "| rows per batch | batches | without checkpoint (events/s) | with checkpoint (events/s) | ratio with/without (range) | added ms per batch | start / stop ms (once) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const l of lines) console.log(l);
}
