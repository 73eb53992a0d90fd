import { describe, expect, it } from "vitest";
import { count, int, MemoryStream, memorySink, readStream, struct, timestamp, window } from "../src/index.js";
import { runBatches } from "./helpers.js";

describe("watermark rules", () => {
  it("several watermarks: the global one is their minimum by default, their maximum on request", async () => {
    for (const [policy, expected] of [
      ["min", 10_000],
      ["max", 40_000],
    ] as const) {
      const input = new MemoryStream(struct({ a: timestamp(), b: timestamp() }));
      const q = await readStream(input)
        .withWatermark("a", 0)
        .withWatermark("b", 0)
        .writeStream.option("watermarkPolicy", policy)
        .format(memorySink())
        .start();
      input.addData({ a: 10_000, b: 40_000 });
      await q.processAllAvailable();
      input.addData({ a: 5_000, b: 1_000 }); // smaller event times never move a watermark back
      await q.processAllAvailable();
      expect(q.recentProgress.map((p) => Date.parse(p.eventTime.watermark!))).toEqual([0, expected]);
      await q.stop();
    }
  });

  it("the first batch runs with watermark 0 and the watermark a batch uses is the previous batch's", async () => {
    const input = new MemoryStream(struct({ ts: timestamp() }));
    const { progress } = await runBatches(input, readStream(input).withWatermark("ts", "1 second"), [
      [{ ts: 5_000 }],
      [{ ts: 9_000 }],
      [{ ts: 2_000 }],
    ]);
    expect(progress.map((p) => p.eventTime.watermark)).toEqual([
      "1970-01-01T00:00:00.000Z",
      "1970-01-01T00:00:04.000Z",
      "1970-01-01T00:00:08.000Z",
    ]);
  });

  it("state is sized by open windows, not by events seen", async () => {
    const input = new MemoryStream(struct({ id: int(), ts: timestamp() }));
    const agg = readStream(input).withWatermark("ts", "10 seconds").groupBy(window("ts", "5 seconds"), "id").agg(count().as("n"));
    const batches = Array.from({ length: 50 }, (_, b) => Array.from({ length: 200 }, (_, i) => ({ id: i % 4, ts: b * 10_000 + i * 50 })));
    const { progress, sink } = await runBatches(input, agg, batches, "append");
    const maxState = Math.max(...progress.map((p) => p.stateOperators[0]!.numRowsTotal));
    // Each batch covers 10 s = two 5 s windows × 4 ids; with a 10 s delay at most ~3 batches' windows are open.
    expect(maxState).toBeLessThanOrEqual(4 * 2 * 3);
    // Final watermark 499.95 s − 10 s = 489.95 s: window [485 s, 490 s) (100 rows) and the last batch's stay open.
    expect(sink.rows.reduce((n, r) => n + r.n, 0)).toBe(50 * 200 - 100 - 200);
  });
});
