/**
 * Benchmark: parse JSON → 10 s windows with a 30 s watermark → avg(value) by id, over N in-memory
 * events, against a hand-written plain loop doing the same work in the same process and run.
 * Prints events/s for both and the ratio (skp / loop). Usage: tsx bench/window-avg.bench.ts [events]
 */
import { avg, double, int, MemoryStream, readStream, string, struct, timestamp, window } from "../src/index.js";

const EVENTS = Number(process.argv[2] ?? 2_000_000);
/** Rows per micro-batch (maxOffsetsPerTrigger), each size measured in the same run. */
const BATCH_SIZES = [100_000, 20_000];
const IDS = 10;
const ROUNDS = 3;
const T0 = Date.parse("2025-11-06T07:00:00Z");

function makeEvents(n: number): string[] {
  const out = new Array<string>(n);
  let seed = 42;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < n; i++) {
    // 5 ms apart with up to 2 s of disorder, so the watermark moves and windows close as in production.
    const ts = new Date(T0 + i * 5 - Math.floor(rand() * 2_000)).toISOString();
    out[i] = JSON.stringify({ id: i % IDS, ts, value: Math.round(rand() * 100_000) / 1000, source: "sim-producer" });
  }
  return out;
}

interface Result {
  windows: number;
  checksum: number;
  ms: number;
}

/** The hand-written baseline: the same semantics with no framework, one plain loop per batch. */
function handWritten(events: string[], BATCH: number): Result {
  const start = performance.now();
  const SIZE = 10_000,
    DELAY = 30_000;
  const state = new Map<string, { start: number; id: number; sum: number; n: number }>();
  let watermark = 0,
    windows = 0,
    checksum = 0;
  // One extra pass after the last batch plays the no-data batch skp runs when the watermark moved.
  for (let b = 0; b <= events.length; b += BATCH) {
    const end = Math.min(events.length, b + BATCH);
    let maxTs = -Infinity;
    for (let i = b; i < end; i++) {
      let e: any;
      try {
        e = JSON.parse(events[i]!);
      } catch {
        continue;
      }
      if (
        typeof e !== "object" ||
        e === null ||
        typeof e.id !== "number" ||
        typeof e.value !== "number" ||
        typeof e.ts !== "string" ||
        typeof e.source !== "string"
      )
        continue;
      const ts = Date.parse(e.ts);
      if (Number.isNaN(ts)) continue;
      if (ts > maxTs) maxTs = ts;
      const ws = ts - (ts % SIZE);
      if (ws + SIZE <= watermark) continue; // late
      const key = `${ws}|${e.id}`;
      let g = state.get(key);
      if (!g) state.set(key, (g = { start: ws, id: e.id, sum: 0, n: 0 }));
      g.sum += e.value;
      g.n++;
    }
    for (const [key, g] of state) {
      if (g.start + SIZE <= watermark) {
        windows++;
        checksum += g.sum / g.n;
        state.delete(key);
      }
    }
    if (maxTs - DELAY > watermark) watermark = maxTs - DELAY;
  }
  return { windows, checksum, ms: performance.now() - start };
}

async function withSkp(events: string[], BATCH: number): Promise<Result> {
  const input = new MemoryStream(struct({ value: string() }));
  input.addData(events.map((value) => ({ value })));
  const schema = struct({ id: int(), ts: timestamp(), value: double(), source: string() });
  let windows = 0,
    checksum = 0;
  const start = performance.now();
  const q = await readStream(input, { maxOffsetsPerTrigger: BATCH })
    .parseJson(schema, { mode: "dropMalformed" })
    .withWatermark("ts", "30 seconds")
    .groupBy(window("ts", "10 seconds"), "id")
    .agg(avg("value").as("avg_value"))
    .writeStream.outputMode("append")
    .foreachBatch((rows) => {
      windows += rows.length;
      for (const r of rows) checksum += r.avg_value!;
    })
    .start();
  await q.processAllAvailable();
  await q.stop();
  return { windows, checksum, ms: performance.now() - start };
}

async function main() {
  console.log(`generating ${EVENTS.toLocaleString()} JSON events...`);
  const events = makeEvents(EVENTS);
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const table: string[] = [];
  for (const batch of BATCH_SIZES) {
    const loop: number[] = [],
      skp: number[] = [];
    let lastLoop: Result | undefined, lastSkp: Result | undefined;
    for (let r = 0; r < ROUNDS; r++) {
      gc();
      lastLoop = handWritten(events, batch);
      gc();
      lastSkp = await withSkp(events, batch);
      loop.push(lastLoop.ms);
      skp.push(lastSkp.ms);
      console.log(`batch ${batch}, round ${r + 1}: loop ${lastLoop.ms.toFixed(0)} ms, skp ${lastSkp.ms.toFixed(0)} ms`);
    }
    // Both must compute the same answer, or the comparison means nothing.
    const same =
      lastSkp!.windows === lastLoop!.windows && Math.abs(lastSkp!.checksum - lastLoop!.checksum) <= 1e-6 * Math.abs(lastLoop!.checksum);
    if (!same)
      throw new Error(
        `results differ: skp ${lastSkp!.windows} windows / ${lastSkp!.checksum}, loop ${lastLoop!.windows} / ${lastLoop!.checksum}`,
      );
    const loopRate = EVENTS / (median(loop) / 1000),
      skpRate = EVENTS / (median(skp) / 1000);
    table.push(
      `| ${batch.toLocaleString("en-US")} | ${Math.round(loopRate).toLocaleString("en-US")} | ${Math.round(skpRate).toLocaleString("en-US")} | ${(skpRate / loopRate).toFixed(2)} | ${lastSkp!.windows} |`,
    );
  }
  console.log(`\n${EVENTS.toLocaleString("en-US")} events, median of ${ROUNDS} rounds, node ${process.version}`);
  console.log("| rows per batch | hand-written loop (events/s) | skp (events/s) | ratio skp/loop | windows (both) |");
  console.log("|---:|---:|---:|---:|---:|");
  for (const line of table) console.log(line);
}

await main();
