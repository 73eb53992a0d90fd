import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { avg, count, int, long, MemoryStream, max, min, readStream, struct, sum, timestamp, window } from "../src/index.js";
import { canonical, runBatches, splitAt } from "./helpers.js";

const schema = struct({ key: int(), ts: timestamp(), v: long() });
type Ev = { key: number; ts: number; v: number };

/** Events in roughly increasing time: each at most 5 s before the latest one, so a 10 s delay makes none late. */
const nearlySortedEvents = fc
  .array(
    fc.record({
      step: fc.integer({ min: 0, max: 3_000 }),
      jitter: fc.integer({ min: -5_000, max: 5_000 }),
      key: fc.integer({ min: 0, max: 3 }),
      v: fc.integer({ min: -100, max: 100 }),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((xs) => {
    let base = 20_000;
    return xs.map(({ step, jitter, key, v }) => {
      base += step;
      return { key, ts: base + jitter, v };
    });
  });

const windowSpecs = fc.constantFrom(
  { size: "5 seconds", slide: undefined },
  { size: "10 seconds", slide: "5 seconds" },
  { size: "10 seconds", slide: "3 seconds" }, // slide does not divide size
);

function windowedQuery(spec: { size: string; slide?: string }) {
  const input = new MemoryStream(schema);
  const frame = readStream(input)
    .withWatermark("ts", "10 seconds")
    .groupBy(window("ts", spec.size, spec.slide), "key")
    .agg(count().as("n"), sum("v").as("total"), min("v").as("lo"), max("v").as("hi"));
  return { input, frame };
}

/** Batch computation over all events: what a window aggregation must converge to. */
function reference(events: readonly Ev[], spec: { size: string; slide?: string }) {
  const w = window("ts", spec.size, spec.slide);
  const groups = new Map<
    string,
    { window: { start: number; end: number }; key: number; n: number; total: number; lo: number; hi: number }
  >();
  for (const e of events) {
    for (let s = e.ts - ((((e.ts - w.startMs) % w.slideMs) + w.slideMs) % w.slideMs); s > e.ts - w.sizeMs; s -= w.slideMs) {
      const k = `${s}|${e.key}`;
      const g = groups.get(k) ?? { window: { start: s, end: s + w.sizeMs }, key: e.key, n: 0, total: 0, lo: Infinity, hi: -Infinity };
      g.n++;
      g.total += e.v;
      g.lo = Math.min(g.lo, e.v);
      g.hi = Math.max(g.hi, e.v);
      groups.set(k, g);
    }
  }
  return [...groups.values()];
}

const FLUSH_TS = 10_000_000; // a final event far ahead, so the watermark passes every earlier window

describe("window semantics properties", () => {
  it("(2) append output is identical for any split into micro-batches when no row is late, and equals the batch result", async () => {
    await fc.assert(
      fc.asyncProperty(
        nearlySortedEvents,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        windowSpecs,
        async (events, cutsA, cutsB, spec) => {
          const flush = [{ key: 0, ts: FLUSH_TS, v: 0 }];
          const runs = [];
          for (const cuts of [cutsA, cutsB]) {
            const { input, frame } = windowedQuery(spec);
            const { sink, progress } = await runBatches(input, frame, [...splitAt(events, cuts), flush], "append");
            expect(progress.reduce((n, p) => n + (p.stateOperators[0]?.numRowsDroppedByWatermark ?? 0), 0)).toBe(0);
            runs.push(sink.rows);
          }
          expect(canonical(runs[0]!)).toEqual(canonical(runs[1]!));
          expect(canonical(runs[0]!)).toEqual(canonical(reference(events, spec)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("(3) append never emits a window before the watermark in force has passed its end", async () => {
    const anyOrder = fc.array(
      fc.record({ key: fc.integer({ min: 0, max: 2 }), ts: fc.integer({ min: 0, max: 120_000 }), v: fc.integer({ min: 0, max: 9 }) }),
      { maxLength: 50 },
    );
    await fc.assert(
      fc.asyncProperty(anyOrder, fc.array(fc.nat(), { maxLength: 10 }), windowSpecs, async (events, cuts, spec) => {
        const { input, frame } = windowedQuery(spec);
        const { sink, progress } = await runBatches(input, frame, splitAt(events, cuts), "append");
        const watermarkOf = new Map(progress.map((p) => [p.batchId, Date.parse(p.eventTime.watermark!)]));
        const seen = new Set<string>();
        for (const { batchId, rows } of sink.batches) {
          for (const r of rows) {
            expect(r.window.end).toBeLessThanOrEqual(watermarkOf.get(batchId)!);
            const id = `${r.window.start}|${r.key}`;
            expect(seen.has(id)).toBe(false); // emitted exactly once
            seen.add(id);
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it("(4) update mode's last value per group equals the batch computation", async () => {
    const anyOrder = fc.array(
      fc.record({ key: fc.integer({ min: 0, max: 3 }), ts: fc.integer({ min: 0, max: 60_000 }), v: fc.integer({ min: -50, max: 50 }) }),
      { minLength: 1, maxLength: 60 },
    );
    await fc.assert(
      fc.asyncProperty(anyOrder, fc.array(fc.nat(), { maxLength: 10 }), windowSpecs, async (events, cuts, spec) => {
        const input = new MemoryStream(schema);
        const frame = readStream(input)
          .groupBy(window("ts", spec.size, spec.slide), "key")
          .agg(count().as("n"), sum("v").as("total"), min("v").as("lo"), max("v").as("hi"));
        const { sink } = await runBatches(input, frame, splitAt(events, cuts), "update");
        const latest = new Map<string, unknown>();
        for (const r of sink.rows) latest.set(`${r.window.start}|${r.key}`, r);
        expect(canonical([...latest.values()])).toEqual(canonical(reference(events, spec)));
      }),
      { numRuns: 80 },
    );
  });

  it("(5) the watermark never decreases and follows max(previous, max event time − delay)", async () => {
    const batches = fc.array(fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 10 }), { minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(batches, async (times) => {
        const input = new MemoryStream(schema);
        const frame = readStream(input).withWatermark("ts", "7 seconds").groupBy(window("ts", "5 seconds")).agg(avg("v").as("a"));
        const { progress } = await runBatches(
          input,
          frame,
          times.map((ts) => ts.map((t) => ({ key: 0, ts: t, v: 1 }))),
          "append",
        );
        let expected = 0;
        const byBatch = new Map(progress.map((p) => [p.batchId, p]));
        let prev = 0;
        for (let b = 0; b < progress.length; b++) {
          const p = byBatch.get(b)!;
          const wm = Date.parse(p.eventTime.watermark!);
          expect(wm).toBe(expected);
          expect(wm).toBeGreaterThanOrEqual(prev);
          prev = wm;
          if (p.eventTime.max) expected = Math.max(expected, Date.parse(p.eventTime.max) - 7_000);
        }
      }),
      { numRuns: 80 },
    );
  });
});
