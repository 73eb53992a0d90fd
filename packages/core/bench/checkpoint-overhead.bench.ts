/**
 * Benchmark: the cost of checkpointing. The same windowed aggregation (parse → 10 s windows → avg by
 * id) runs with and without `checkpointLocation` at two batch sizes, rounds interleaved, each run in a
 * process of its own after a warm-up run: in one process, a run pays for the garbage of the one
 * before (which made whichever ran second look 10–20 % faster or slower at 20,000-row batches).
 * Reports events/s while the query runs (from `start()` resolving to `processAllAvailable()`) for
 * both, the median of the per-round ratios, the added milliseconds per batch, and the one-time costs
 * of a checkpointed start (open, lock, recover) and stop (last write, copies of the log entries) apart.
 * Each round also runs both queries side by side in one process (`paired`), taking turns every 10
 * batches: a slow stretch of this noisy machine then lands on both alike, which narrows the spread.
 * `SIZES=1000` runs one batch size; `ROUNDS` sets the rounds.
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
const CHILD = process.env.CHECKPOINT_BENCH_RUN; // "<batch>:<checkpoint 0|1|paired>" in a child process

const events = CHILD
  ? Array.from({ length: Number(CHILD.split(":")[0]) * BATCHES }, (_, i) =>
      JSON.stringify({ id: i % 10, ts: new Date(T0 + i * 5).toISOString(), value: (i % 1000) / 10, source: "sim-producer" }),
    )
  : [];

function query(batch: number, checkpoint: boolean) {
  const input = new MemoryStream(struct({ value: string() }), { name: "bench" });
  const dir = checkpoint ? mkdtempSync(join(tmpdir(), "skp-bench-chk-")) : undefined;
  const writer = readStream(input, { maxOffsetsPerTrigger: batch })
    .parseJson(struct({ id: int(), ts: timestamp(), value: double(), source: string() }), { mode: "dropMalformed" })
    .withWatermark("ts", "30 seconds")
    .groupBy(window("ts", "10 seconds"), "id")
    .agg(avg("value").as("avg_value"))
    .writeStream.outputMode("append")
    .foreachBatch(() => {});
  if (dir) writer.option("checkpointLocation", dir);
  return { input, writer, dispose: () => dir && rmSync(dir, { recursive: true, force: true }) };
}

async function run(batch: number, checkpoint: boolean) {
  const { input, writer, dispose } = query(batch, checkpoint);
  input.addData(events.slice(0, batch * BATCHES).map((value) => ({ value })));
  const t0 = performance.now();
  const q = await writer.start();
  const t1 = performance.now();
  await q.processAllAvailable();
  const t2 = performance.now();
  await q.stop();
  const t3 = performance.now();
  dispose();
  return { start: t1 - t0, run: t2 - t1, stop: t3 - t2, batches: q.lastProgress!.batchId + 1 };
}

/**
 * Both queries in one process, fed the same events in chunks of 10 batches, taking turns (which one
 * goes first alternates): a slow stretch of the machine lands on both alike. Returns the summed times.
 */
async function paired(batch: number) {
  const sides = [query(batch, false), query(batch, true)];
  const queries = await Promise.all(sides.map((s) => s.writer.start()));
  const times = [0, 0];
  const chunk = batch * 10;
  for (let c = 0; c * chunk < batch * BATCHES; c++) {
    const rows = events.slice(c * chunk, (c + 1) * chunk).map((value) => ({ value }));
    for (const k of c % 2 ? [0, 1] : [1, 0]) {
      sides[k]!.input.addData(rows);
      const t = performance.now();
      await queries[k]!.processAllAvailable();
      times[k]! += performance.now() - t;
    }
  }
  for (const q of queries) await q.stop();
  for (const s of sides) s.dispose();
  return { plain: times[0]!, checkpointed: times[1]! };
}

/** One measured run in a fresh process (after a warm-up run there). */
function runApart<T>(batch: number, mode: "0" | "1" | "paired"): T {
  const out = execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), String(BATCHES)], {
    env: { ...process.env, CHECKPOINT_BENCH_RUN: `${batch}:${mode}` },
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

type Run = Awaited<ReturnType<typeof run>>;
type Paired = Awaited<ReturnType<typeof paired>>;

if (CHILD) {
  const [batch, mode] = CHILD.split(":") as [string, string];
  const once = () => (mode === "paired" ? paired(Number(batch)) : run(Number(batch), mode === "1"));
  await once();
  console.log(JSON.stringify(await once()));
} else {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const range = (xs: number[]) => `**${median(xs).toFixed(2)}** (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
  const lines: string[] = [];
  for (const batch of BATCH_SIZES) {
    const plain: number[] = [];
    const chk: Run[] = [];
    const ratios: number[] = [];
    const pairedRatios: number[] = [];
    let batches = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const p = runApart<Run>(batch, "0");
      const c = runApart<Run>(batch, "1");
      const both = runApart<Paired>(batch, "paired");
      plain.push(p.run);
      chk.push(c);
      ratios.push(p.run / c.run);
      pairedRatios.push(both.plain / both.checkpointed);
      batches = c.batches;
    }
    const p = median(plain);
    const c = median(chk.map((x) => x.run));
    lines.push(
      `| ${batch.toLocaleString("en-US")} | ${batches} | ${fmt((batch * BATCHES) / (p / 1000))} | ${fmt((batch * BATCHES) / (c / 1000))} | ${range(ratios)} | ${range(pairedRatios)} | ${((c - p) / batches).toFixed(2)} | ${median(chk.map((x) => x.start)).toFixed(0)} / ${median(chk.map((x) => x.stop)).toFixed(0)} |`,
    );
  }
  console.log(`\n${BATCHES} batches a run, ${ROUNDS} interleaved rounds (medians), each run in its own process, node ${process.version}`);
  console.log(
    "| rows per batch | batches | without checkpoint (events/s) | with checkpoint (events/s) | ratio, separate processes (range) | ratio, paired in one process (range) | added ms per batch | start / stop ms (once) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const l of lines) console.log(l);
}
