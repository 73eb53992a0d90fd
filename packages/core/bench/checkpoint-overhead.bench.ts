/**
 * Benchmark: the cost of checkpointing. The same windowed aggregation (parse → 10 s windows → avg by
 * id) runs with and without `checkpointLocation`, in the same process, at two batch sizes, rounds
 * interleaved. Reports events/s while the query runs (from `start()` resolving to `processAllAvailable()`)
 * for both, their ratio, the added milliseconds per batch, and the one-time costs of a checkpointed
 * start (open, lock, recover) and stop (last write, copies of the log entries) apart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { avg, double, int, MemoryStream, readStream, string, struct, timestamp, window } from "../src/index.js";

/** Events per run: 200 batches at each size, so the first batch's costs do not weigh on the figure. */
const BATCHES = Number(process.argv[2] ?? 200);
const BATCH_SIZES = [1_000, 20_000];
const EVENTS = BATCHES * BATCH_SIZES.at(-1)!;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const T0 = Date.parse("2025-11-06T07:00:00Z");

const events = Array.from({ length: EVENTS }, (_, i) =>
  JSON.stringify({ id: i % 10, ts: new Date(T0 + i * 5).toISOString(), value: (i % 1000) / 10, source: "sim-producer" }),
);

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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const lines: string[] = [];
for (const batch of BATCH_SIZES) {
  const plain: number[] = [];
  const chk: { start: number; run: number; stop: number }[] = [];
  const ratios: number[] = [];
  let batches = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const p = await run(batch, false);
    const c = await run(batch, true);
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
console.log(`\n${BATCHES} batches a run, ${ROUNDS} interleaved rounds (medians), node ${process.version}`);
console.log(
  "| rows per batch | batches | without checkpoint (events/s) | with checkpoint (events/s) | ratio with/without (range) | added ms per batch | start / stop ms (once) |",
);
console.log("|---:|---:|---:|---:|---:|---:|---:|");
for (const l of lines) console.log(l);
