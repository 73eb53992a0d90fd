/**
 * Benchmark: a stream-stream inner join and a deduplication, against hand-written loops doing the
 * same work in the same process (Spark's semantics: late rows dropped, state evicted by the watermark).
 *
 * Join: impressions ⋈ clicks on `adId`, `clickTime` within `impressionTime + [0, 1 hour]`, 10-minute
 * watermarks, N rows a side (every impression clicked once, up to an hour later; ad ids repeat), in
 * 20,000-row batches a side. Dedup: N events, one in ten a resend of an earlier one,
 * `dropDuplicatesWithinWatermark(["id"])` with a 10-minute watermark. Stream-static: the impressions
 * joined with a 50,000-row table (a Map lookup per row by hand). Reports rows/s, the ratio, state rows
 * at the end and the heap after a GC.
 *
 *   node --expose-gc --import tsx bench/join-dedup.bench.ts [rowsPerSide=1000000]
 */
import { long, MemoryStream, readStream, staticFrame, string, struct } from "../src/index.js";

const N = Number(process.argv[2] ?? 1_000_000);
const BATCH = 20_000;
const HOUR = 3_600_000;
const DELAY = 600_000;
const ADS = 50_000;

type Imp = { adId: number; impressionTime: number };
type Click = { adId: number; clickTime: number };
let seed = 7;
const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const imps: Imp[] = Array.from({ length: N }, (_, i) => ({ adId: i % ADS, impressionTime: 1_000_000 + i * 100 }));
// Each impression's click, up to an hour later, in click-time order (a click stream arrives by time).
const clicks: Click[] = imps
  .map((m) => ({ adId: m.adId, clickTime: m.impressionTime + Math.floor(rand() * HOUR) }))
  .sort((a, b) => a.clickTime - b.clickTime);
const events = Array.from({ length: N }, (_, i) => {
  const resend = i > 10 && rand() < 0.1;
  const j = resend ? i - 1 - Math.floor(rand() * 10) : i;
  return { id: j, ts: 1_000_000 + j * 100 };
});

const gcHeapMb = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
};

/** The join by hand: both sides' rows in Maps by key, each batch left-then-right, eviction behind the watermark. */
function joinByHand(): { out: number; state: number; ms: number } {
  const start = performance.now();
  const left = new Map<number, Imp[]>();
  const right = new Map<number, Click[]>();
  let wm = 0,
    maxL = 0,
    maxR = 0,
    out = 0;
  for (let b = 0; b < N; b += BATCH) {
    for (const l of imps.slice(b, b + BATCH)) {
      if (l.impressionTime <= wm) continue;
      maxL = Math.max(maxL, l.impressionTime);
      for (const r of right.get(l.adId) ?? []) if (r.clickTime >= l.impressionTime && r.clickTime <= l.impressionTime + HOUR) out++;
      const list = left.get(l.adId);
      if (list) list.push(l);
      else left.set(l.adId, [l]);
    }
    for (const r of clicks.slice(b, b + BATCH)) {
      if (r.clickTime <= wm) continue;
      maxR = Math.max(maxR, r.clickTime);
      for (const l of left.get(r.adId) ?? []) if (r.clickTime >= l.impressionTime && r.clickTime <= l.impressionTime + HOUR) out++;
      const list = right.get(r.adId);
      if (list) list.push(r);
      else right.set(r.adId, [r]);
    }
    for (const [k, list] of left) {
      const keep = list.filter((l) => l.impressionTime > wm - HOUR);
      keep.length ? left.set(k, keep) : left.delete(k);
    }
    for (const [k, list] of right) {
      const keep = list.filter((r) => r.clickTime > wm);
      keep.length ? right.set(k, keep) : right.delete(k);
    }
    wm = Math.max(wm, Math.min(maxL, maxR) - DELAY);
  }
  let state = 0;
  for (const list of left.values()) state += list.length;
  for (const list of right.values()) state += list.length;
  return { out, state, ms: performance.now() - start };
}

async function joinWithSkp(): Promise<{ out: number; state: number; ms: number }> {
  const li = new MemoryStream(struct({ adId: long(), impressionTime: long() }));
  const ri = new MemoryStream(struct({ adId: long(), clickTime: long() }));
  li.addData(imps);
  ri.addData(clicks);
  let out = 0;
  const start = performance.now();
  const q = await readStream(li, { maxOffsetsPerTrigger: BATCH })
    .withWatermark("impressionTime", DELAY)
    .join(readStream(ri, { maxOffsetsPerTrigger: BATCH }).withWatermark("clickTime", DELAY), {
      on: "adId",
      timeRange: { left: "impressionTime", right: "clickTime", lower: 0, upper: HOUR },
    })
    .writeStream.foreachBatch((rows) => {
      out += rows.length;
    })
    .start();
  await q.processAllAvailable();
  const ms = performance.now() - start;
  const state = q.lastProgress?.stateOperators.reduce((n, s) => n + s.numRowsTotal, 0) ?? 0;
  await q.stop();
  return { out, state, ms };
}

function dedupByHand(): { out: number; state: number; ms: number } {
  const start = performance.now();
  const seen = new Map<number, number>();
  let wm = 0,
    max = 0,
    out = 0;
  for (let b = 0; b < N; b += BATCH) {
    for (const e of events.slice(b, b + BATCH)) {
      if (e.ts <= wm) continue;
      max = Math.max(max, e.ts);
      if (seen.has(e.id)) continue;
      seen.set(e.id, e.ts + DELAY);
      out++;
    }
    for (const [k, expires] of seen) if (expires <= wm) seen.delete(k);
    wm = Math.max(wm, max - DELAY);
  }
  return { out, state: seen.size, ms: performance.now() - start };
}

async function dedupWithSkp(): Promise<{ out: number; state: number; ms: number }> {
  const input = new MemoryStream(struct({ id: long(), ts: long() }));
  input.addData(events);
  let out = 0;
  const start = performance.now();
  const q = await readStream(input, { maxOffsetsPerTrigger: BATCH })
    .withWatermark("ts", DELAY)
    .dropDuplicatesWithinWatermark(["id"])
    .writeStream.foreachBatch((rows) => {
      out += rows.length;
    })
    .start();
  await q.processAllAvailable();
  const ms = performance.now() - start;
  const state = q.lastProgress?.stateOperators[0]?.numRowsTotal ?? 0;
  await q.stop();
  return { out, state, ms };
}

const table = Array.from({ length: ADS }, (_, adId) => ({ adId, campaign: `c${adId % 97}` }));

/** The stream-static join by hand: a Map of the table by key, one lookup per row. */
function staticByHand(): { out: number; state: number; ms: number } {
  const start = performance.now();
  const index = new Map(table.map((t) => [t.adId, t]));
  let out = 0;
  for (let b = 0; b < N; b += BATCH) {
    const batch: unknown[] = [];
    for (const m of imps.slice(b, b + BATCH)) {
      const t = index.get(m.adId);
      if (t) batch.push({ adId: m.adId, impressionTime: m.impressionTime, campaign: t.campaign });
    }
    out += batch.length;
  }
  return { out, state: 0, ms: performance.now() - start };
}

async function staticWithSkp(): Promise<{ out: number; state: number; ms: number }> {
  const input = new MemoryStream(struct({ adId: long(), impressionTime: long() }));
  input.addData(imps);
  let out = 0;
  const start = performance.now();
  const q = await readStream(input, { maxOffsetsPerTrigger: BATCH })
    .join(staticFrame(table, struct({ adId: long(), campaign: string() })), { on: "adId" })
    .writeStream.foreachBatch((rows) => {
      out += rows.length;
    })
    .start();
  await q.processAllAvailable();
  const ms = performance.now() - start;
  await q.stop();
  return { out, state: 0, ms };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rows = [];
for (const [name, hand, skp, per] of [
  ["stream-stream inner join, 1 h range", joinByHand, joinWithSkp, 2 * N],
  ["dropDuplicatesWithinWatermark", dedupByHand, dedupWithSkp, N],
  ["stream-static inner join (50,000-row table)", staticByHand, staticWithSkp, N],
] as const) {
  const h: number[] = [];
  const s: number[] = [];
  let last: { hand: { out: number; state: number }; skp: { out: number; state: number } } | undefined;
  for (let r = 0; r < 3; r++) {
    const a = hand();
    const b = await skp();
    if (a.out !== b.out) throw new Error(`${name}: skp emitted ${b.out} rows, the loop ${a.out}`);
    h.push(a.ms);
    s.push(b.ms);
    last = { hand: a, skp: b };
  }
  const heap = gcHeapMb();
  const rate = (ms: number) => Math.round((per / ms) * 1000).toLocaleString("en-US");
  rows.push(
    `| ${name} | ${rate(median(h))} | ${rate(median(s))} | **${(median(h) / median(s)).toFixed(2)}** | ${last?.skp.out.toLocaleString("en-US")} | ${last?.skp.state.toLocaleString("en-US")} (loop ${last?.hand.state.toLocaleString("en-US")}) | ${heap} MB |`,
  );
}
console.log(
  `\n${N.toLocaleString("en-US")} rows (a side), ${BATCH.toLocaleString("en-US")}-row batches, median of 3, node ${process.version}`,
);
console.log(
  "| query | loop rows/s | skp rows/s | ratio | output rows | state rows at the end | heap after GC |\n|---|---:|---:|---:|---:|---:|---:|",
);
for (const r of rows) console.log(r);
