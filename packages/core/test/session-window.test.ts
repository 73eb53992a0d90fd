import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, first, int, last, long, MemoryStream, readStream, sessionWindow, struct, sum, timestamp } from "../src/index.js";
import { canonical, runBatches, splitAt } from "./helpers.js";

const schema = struct({ user: int(), ts: timestamp(), v: long() });
type Ev = { user: number; ts: number; v: number };
const GAP = 5_000;

function sessions(withWatermark: boolean) {
  const input = new MemoryStream(schema);
  let frame = readStream(input);
  if (withWatermark) frame = frame.withWatermark("ts", "10 seconds");
  const agg = frame.groupBy(sessionWindow("ts", "5 seconds"), "user").agg(count().as("n"), sum("v").as("total"));
  return { input, agg };
}

/** Reference sessionization: sort each user's events, cut where the next event starts at or after the session end. */
function referenceSessions(events: readonly Ev[]) {
  const byUser = new Map<number, Ev[]>();
  for (const e of events) byUser.set(e.user, [...(byUser.get(e.user) ?? []), e]);
  const out: { session_window: { start: number; end: number }; user: number; n: number; total: number }[] = [];
  for (const [user, evs] of byUser) {
    evs.sort((a, b) => a.ts - b.ts);
    let cur: (typeof out)[number] | undefined;
    for (const e of evs) {
      if (!cur || e.ts >= cur.session_window.end) {
        cur = { session_window: { start: e.ts, end: e.ts + GAP }, user, n: 0, total: 0 };
        out.push(cur);
      }
      cur.session_window.end = Math.max(cur.session_window.end, e.ts + GAP);
      cur.n++;
      cur.total += e.v;
    }
  }
  return out;
}

describe("session windows", () => {
  it("merges sessions across micro-batches, including a late-arriving event that bridges two sessions", async () => {
    const { input, agg } = sessions(false);
    const { sink } = await runBatches(
      input,
      agg,
      [
        [
          { user: 1, ts: 0, v: 1 },
          { user: 1, ts: 3_000, v: 1 },
        ], // session [0, 8000)
        [{ user: 1, ts: 12_000, v: 1 }], // separate session [12000, 17000)
        [{ user: 1, ts: 7_500, v: 1 }], // [7500, 12500) overlaps both: everything merges
      ],
      "complete",
    );
    expect(sink.lastBatch).toEqual([{ session_window: { start: 0, end: 17_000 }, user: 1, n: 4, total: 4 }]);
  });

  it("(6) complete-mode sessions equal a reference sessionization for any order and split", async () => {
    const events = fc.array(
      fc.record({ user: fc.integer({ min: 0, max: 2 }), ts: fc.integer({ min: 0, max: 60_000 }), v: fc.integer({ min: 0, max: 9 }) }),
      { minLength: 1, maxLength: 40 },
    );
    await fc.assert(
      fc.asyncProperty(events, fc.array(fc.nat(), { maxLength: 8 }), async (evs, cuts) => {
        const { input, agg } = sessions(false);
        const { sink } = await runBatches(input, agg, splitAt(evs, cuts), "complete");
        expect(canonical(sink.lastBatch)).toEqual(canonical(referenceSessions(evs)));
      }),
      { numRuns: 100 },
    );
  });

  it("append emits each session once, when the watermark passes its end, and evicts it", async () => {
    const { input, agg } = sessions(true);
    const sink = (
      await runBatches(
        input,
        agg,
        [
          [
            { user: 1, ts: 0, v: 1 },
            { user: 1, ts: 2_000, v: 2 },
            { user: 2, ts: 1_000, v: 5 },
          ],
          [{ user: 1, ts: 30_000, v: 1 }], // watermark → 20 s: sessions ending at 7 s and 6 s are final
        ],
        "append",
      )
    ).sink;
    expect(sink.rows).toEqual([
      { session_window: { start: 0, end: 7_000 }, user: 1, n: 2, total: 3 },
      { session_window: { start: 1_000, end: 6_000 }, user: 2, n: 1, total: 5 },
    ]);
  });

  it("drops and counts an event whose own session already ended at the watermark", async () => {
    const { input, agg } = sessions(true);
    const { progress } = await runBatches(input, agg, [[{ user: 1, ts: 40_000, v: 1 }], [{ user: 1, ts: 1_000, v: 1 }]], "append");
    expect(progress.at(-1)!.stateOperators[0]!.numRowsDroppedByWatermark).toBe(1);
  });

  it("keeps first/last in arrival order when sessions merge", async () => {
    const input = new MemoryStream(schema);
    const agg = readStream(input).groupBy(sessionWindow("ts", "5 seconds"), "user").agg(first("v").as("f"), last("v").as("l"));
    const { sink } = await runBatches(input, agg, [[{ user: 1, ts: 10_000, v: 1 }], [{ user: 1, ts: 8_000, v: 2 }]], "complete");
    expect(sink.lastBatch).toEqual([{ session_window: { start: 8_000, end: 15_000 }, user: 1, f: 1, l: 2 }]);
  });

  it("refuses update mode, as Spark does", async () => {
    const { agg } = sessions(true);
    await expect(
      agg.writeStream
        .outputMode("update")
        .format({ description: "x", addBatch() {} })
        .start(),
    ).rejects.toThrow(/session windows support append and complete/);
  });
});

// Keep `int` referenced for schema readability in editors.
void int;
