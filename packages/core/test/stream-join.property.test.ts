import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { long, MemoryStream, memorySink, readStream, struct } from "../src/index.js";
import { canonical, SEC } from "./helpers.js";

const DELAY = 10; // seconds
const LOWER = -2;
const UPPER = 5;

/** One side's rows in arrival order: event time rising, with disorder under the watermark delay (none late). */
const sideArb = fc.array(
  fc.record({ key: fc.nat(3), step: fc.integer({ min: 0, max: 4 }), jitter: fc.integer({ min: 0, max: DELAY - 1 }) }),
  {
    maxLength: 25,
  },
);
const rowsOf = (xs: { key: number; step: number; jitter: number }[]) => {
  // From 1 s: a row at the epoch is at the initial watermark (0), late as in Spark.
  let base = 1;
  return xs.map(({ key, step, jitter }) => ({ key, t: (base += step) + jitter }));
};
type Side = { key: number; t: number }[];

/** What one batch join of all rows gives (`right.t` within `left.t + [LOWER, UPPER]`), with unmatched rows for outer sides. */
function batchJoin(left: Side, right: Side, type: "inner" | "leftOuter" | "fullOuter"): unknown[] {
  const out: unknown[] = [];
  const matchedRight = new Set<number>();
  for (const l of left) {
    let matched = false;
    right.forEach((r, j) => {
      if (r.key !== l.key || r.t < l.t + LOWER || r.t > l.t + UPPER) return;
      out.push({ key: l.key, leftTime: l.t * SEC, rightTime: r.t * SEC });
      matched = true;
      matchedRight.add(j);
    });
    if (!matched && type !== "inner") out.push({ key: l.key, leftTime: l.t * SEC, rightTime: null });
  }
  if (type === "fullOuter")
    right.forEach((r, j) => {
      if (!matchedRight.has(j)) out.push({ key: r.key, leftTime: null, rightTime: r.t * SEC });
    });
  return out;
}

describe("stream-stream joins: for any split into micro-batches and arrival within the watermark", () => {
  it.each(["inner", "leftOuter", "fullOuter"] as const)(
    "%s equals a batch join of the same rows, each unmatched row once",
    async (type) => {
      await fc.assert(
        fc.asyncProperty(
          sideArb,
          sideArb,
          fc.array(fc.tuple(fc.nat(4), fc.nat(4)), { minLength: 1, maxLength: 12 }),
          async (ls, rs, steps) => {
            const left = rowsOf(ls);
            const right = rowsOf(rs);
            const li = new MemoryStream(struct({ key: long(), t: long() }));
            const ri = new MemoryStream(struct({ key: long(), t: long() }));
            const l = readStream(li)
              .withColumn("leftTime", (x) => x.t * SEC)
              .select("key", "leftTime")
              .withWatermark("leftTime", `${DELAY} seconds`);
            const r = readStream(ri)
              .withColumn("rightTime", (x) => x.t * SEC)
              .select("key", "rightTime")
              .withWatermark("rightTime", `${DELAY} seconds`);
            const timeRange = {
              left: "leftTime" as const,
              right: "rightTime" as const,
              lower: `${LOWER} seconds`,
              upper: `${UPPER} seconds`,
            };
            const sink = memorySink<Record<string, unknown>>();
            const q = await l.join(r, { on: "key", type, timeRange }).writeStream.format(sink).start();
            let a = 0;
            let b = 0;
            // Each step adds the next few rows of each side (any interleaving of the two), then runs.
            for (const [na, nb] of [...steps, [1_000, 1_000] as [number, number]]) {
              if (a < left.length) li.addData(left.slice(a, (a += na)));
              if (b < right.length) ri.addData(right.slice(b, (b += nb)));
              await q.processAllAvailable();
            }
            // Far-future rows on both sides (key 99) move the watermark past every bound: outer rows come out.
            li.addData({ key: 99, t: 100_000 });
            ri.addData({ key: 99, t: 100_000 });
            await q.processAllAvailable();
            await q.stop();
            const got = sink.rows.filter((x) => x.key !== 99);
            expect(canonical(got)).toEqual(canonical(batchJoin(left, right, type)));
          },
        ),
        { numRuns: 80 },
      );
    },
  );
});
