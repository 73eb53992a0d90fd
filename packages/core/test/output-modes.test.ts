import { describe, expect, it } from "vitest";
import type { LateRecord } from "../src/index.js";
import { avg, count, int, MemoryStream, memorySink, readStream, string, struct, timestamp, window } from "../src/index.js";
import { pairs, runBatches, windowedCount } from "./helpers.js";

const seconds = (...xs: number[]) => xs.map((value) => ({ value }));

describe("output modes", () => {
  it("update emits the groups changed in each batch and evicts windows the watermark passed", async () => {
    const { input, agg } = windowedCount();
    const { sink, progress } = await runBatches(input, agg, [seconds(10, 11, 12), seconds(13, 25), seconds(26)], "update");
    expect(sink.batches.map((b) => pairs(b.rows))).toEqual([
      [[10, 3]],
      [
        [10, 4],
        [25, 1],
      ],
      [], // no-data batch: the watermark (15 s) passed [10, 15), which is evicted, emitting nothing new
      [[25, 2]],
    ]);
    expect(progress.map((p) => p.numInputRows)).toEqual([3, 2, 0, 1]);
    expect(progress.map((p) => p.stateOperators[0]!.numRowsTotal)).toEqual([1, 2, 1, 1]);
  });

  it("complete emits the whole table every batch and never evicts", async () => {
    const { input, agg } = windowedCount();
    const { sink, progress } = await runBatches(input, agg, [seconds(10, 11), seconds(25), seconds(40), seconds(10)], "complete");
    expect(sink.batches.map((b) => pairs(b.rows))).toEqual([
      [[10, 2]],
      [
        [10, 2],
        [25, 1],
      ],
      [
        [10, 2],
        [25, 1],
        [40, 1],
      ],
      [
        [10, 3],
        [25, 1],
        [40, 1],
      ], // a row behind the watermark still counts: complete keeps all state
    ]);
    expect(progress.at(-1)!.stateOperators[0]!.numRowsTotal).toBe(3);
  });

  it("append runs a no-data batch once the watermark passed a window, without new input", async () => {
    const { input, agg, sink } = windowedCount();
    const q = await agg.writeStream.format(sink).start();
    input.addData(seconds(10, 11, 30));
    await q.processAllAvailable();
    // Batch 0 moved the watermark to 20 s; batch 1 ran with no input and emitted [10, 15).
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([3, 0]);
    expect(sink.batches.map((b) => [b.batchId, pairs(b.rows)])).toEqual([
      [0, []],
      [1, [[10, 2]]],
    ]);
    await q.stop();
  });

  it("late rows can be captured in a sink instead of only counted", async () => {
    const input = new MemoryStream(struct({ id: int(), ts: timestamp() }));
    const late = memorySink<LateRecord>();
    const agg = readStream(input)
      .withWatermark("ts", "10 seconds", { lateRows: late })
      .groupBy(window("ts", "10 seconds", "5 seconds"), "id")
      .agg(count().as("n"));
    await runBatches(input, agg, [[{ id: 1, ts: 60_000 }], [{ id: 7, ts: 42_000 }]], "append");
    // Watermark 50 s: 42 s is in windows [35, 45) and [40, 50), both ended — two late pairs.
    expect(late.rows.map((r) => [r.row.id, r.window, r.watermarkMs])).toEqual([
      [7, { start: 40_000, end: 50_000 }, 50_000],
      [7, { start: 35_000, end: 45_000 }, 50_000],
    ]);
  });

  it("append is allowed on an aggregation keyed by the watermarked column itself", async () => {
    const input = new MemoryStream(struct({ ts: timestamp(), k: string() }));
    const agg = readStream(input).withWatermark("ts", "5 seconds").groupBy("ts", "k").agg(count().as("n"));
    const { sink, progress } = await runBatches(
      input,
      agg,
      [
        [
          { ts: 1_000, k: "a" },
          { ts: 1_000, k: "a" },
        ],
        [{ ts: 20_000, k: "b" }],
        [{ ts: 2_000, k: "a" }],
      ],
      "append",
    );
    expect(sink.rows).toEqual([{ ts: 1_000, k: "a", n: 2 }]);
    expect(progress.at(-1)!.stateOperators[0]!.numRowsDroppedByWatermark).toBe(1);
  });

  it("update without a watermark keeps aggregating a plain group-by", async () => {
    const input = new MemoryStream(struct({ k: string(), v: int() }));
    const agg = readStream(input).groupBy("k").agg(avg("v").as("a"), count().as("n"));
    const { sink } = await runBatches(
      input,
      agg,
      [
        [
          { k: "x", v: 1 },
          { k: "y", v: 4 },
        ],
        [{ k: "x", v: 3 }],
      ],
      "update",
    );
    expect(sink.batches.map((b) => b.rows)).toEqual([
      [
        { k: "x", a: 1, n: 1 },
        { k: "y", a: 4, n: 1 },
      ],
      [{ k: "x", a: 2, n: 2 }],
    ]);
  });

  describe("plan-time refusals (Spark's UnsupportedOperationChecker)", () => {
    const start = (
      w: { outputMode(m: "append" | "update" | "complete"): { format(s: unknown): { start(): Promise<unknown> } } },
      mode: "append" | "update" | "complete",
    ) => w.outputMode(mode).format(memorySink()).start();

    it("append on an aggregation without a watermark", async () => {
      const input = new MemoryStream(struct({ ts: timestamp() }));
      const agg = readStream(input).groupBy(window("ts", "5 seconds")).count();
      await expect(start(agg.writeStream as never, "append")).rejects.toThrow(/append mode on an aggregation needs a watermark/);
    });

    it("complete without an aggregation", async () => {
      const input = new MemoryStream(struct({ ts: timestamp() }));
      await expect(start(readStream(input).writeStream as never, "complete")).rejects.toThrow(
        /complete mode needs a streaming aggregation/,
      );
    });

    it("an unknown output mode", () => {
      const input = new MemoryStream(struct({ ts: timestamp() }));
      expect(() => readStream(input).writeStream.outputMode("replace" as never)).toThrow(/Unknown output mode "replace"/);
    });
  });
});
