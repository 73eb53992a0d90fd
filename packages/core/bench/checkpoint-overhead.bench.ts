/**
 * Benchmark: the cost of checkpointing. The same windowed aggregation (parse → 10 s windows → avg by
 * id) runs with and without `checkpointLocation`, in the same process, at two batch sizes. Reports
 * events/s for both, the ratio, and the added milliseconds per batch (offsets + state delta + commit,
 * each written atomically with fsync).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { avg, double, int, MemoryStream, readStream, string, struct, timestamp, window } from "../src/index.js";

const EVENTS = Number(process.argv[2] ?? 200_000);
const BATCH_SIZES = [1_000, 20_000];
const ROUNDS = 3;
const T0 = Date.parse("2025-11-06T07:00:00Z");

const events = Array.from({ length: EVENTS }, (_, i) =>
  JSON.stringify({ id: i % 10, ts: new Date(T0 + i * 5).toISOString(), value: (i % 1000) / 10, source: "sim-producer" }),
);

async function run(batch: number, checkpoint: boolean): Promise<{ ms: number; batches: number }> {
  const input = new MemoryStream(struct({ value: string() }), { name: "bench" });
  input.addData(events.map((value) => ({ value })));
  const dir = checkpoint ? mkdtempSync(join(tmpdir(), "skp-bench-chk-")) : undefined;
  const writer = readStream(input, { maxOffsetsPerTrigger: batch })
    .parseJson(struct({ id: int(), ts: timestamp(), value: double(), source: string() }), { mode: "dropMalformed" })
    .withWatermark("ts", "30 seconds")
    .groupBy(window("ts", "10 seconds"), "id")
    .agg(avg("value").as("avg_value"))
    .writeStream.outputMode("append")
    .foreachBatch(() => {});
  if (dir) writer.option("checkpointLocation", dir);
  const start = performance.now();
  const q = await writer.start();
  await q.processAllAvailable();
  await q.stop();
  const ms = performance.now() - start;
  if (dir) rmSync(dir, { recursive: true, force: true });
  return { ms, batches: q.recentProgress.at(-1)!.batchId + 1 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const lines: string[] = [];
for (const batch of BATCH_SIZES) {
  const plain: number[] = [],
    chk: number[] = [];
  let batches = 0;
  for (let r = 0; r < ROUNDS; r++) {
    plain.push((await run(batch, false)).ms);
    const c = await run(batch, true);
    chk.push(c.ms);
    batches = c.batches;
  }
  const p = median(plain),
    c = median(chk);
  lines.push(
    `| ${batch.toLocaleString("en-US")} | ${batches} | ${Math.round(EVENTS / (p / 1000)).toLocaleString("en-US")} | ${Math.round(EVENTS / (c / 1000)).toLocaleString("en-US")} | ${(p / c).toFixed(2)} | ${((c - p) / batches).toFixed(2)} |`,
  );
}
console.log(`\n${EVENTS.toLocaleString("en-US")} events, median of ${ROUNDS} rounds, node ${process.version}`);
console.log(
  "| rows per batch | batches | without checkpoint (events/s) | with checkpoint (events/s) | ratio with/without | added ms per batch |",
);
console.log("|---:|---:|---:|---:|---:|---:|");
for (const l of lines) console.log(l);
