import { describe, expect, it } from "vitest";
import { long, MemoryStream, memorySink, rateSource, readStream, struct } from "../src/index.js";
import { windowedCount } from "./helpers.js";

const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ value: from + i }));

describe("triggers", () => {
  it("once: one batch with everything available, then stops (no trailing no-data batch)", async () => {
    const { input, agg, sink } = windowedCount();
    input.addData([{ value: 10 }, { value: 30 }]);
    const q = await agg.writeStream.trigger({ once: true }).format(sink).start();
    await q.awaitTermination();
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([2]);
    expect(q.isActive).toBe(false);
  });

  it("availableNow: data available at start in bounded batches, then the due no-data batch, then stops", async () => {
    const { input, agg, sink } = windowedCount();
    input.addData(rows(5, 10)); // 10..14 s
    input.addData({ value: 40 });
    const q = await agg.writeStream.trigger({ availableNow: true }).format(sink).start();
    await q.awaitTermination();
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([6, 0]);
    expect(sink.rows.map((r) => [r.window.start, r.count])).toEqual([[10_000, 5]]);
  });

  it("availableNow with maxOffsetsPerTrigger bounds each batch and ignores data added after start", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    input.addData(rows(10));
    const sink = memorySink();
    const q = await readStream(input, { maxOffsetsPerTrigger: 4 }).writeStream.trigger({ availableNow: true }).format(sink).start();
    input.addData(rows(3, 100)); // arrives after start: not part of this run
    await q.awaitTermination();
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([4, 4, 2]);
    expect(sink.rows).toEqual(rows(10));
  });

  it("availableNow asks for the unbounded end, so a source's own per-batch limit does not end the run early", async () => {
    const total = 7;
    const source = {
      description: "Limited",
      fields: { value: long() },
      initialOffset: () => 0,
      latestOffset: (start: number, limit: { unbounded?: boolean }) => (limit.unbounded ? total : Math.min(total, start + 2)),
      getBatch: (start: number, end: number) => Array.from({ length: end - start }, (_, i) => ({ value: start + i })),
      commit() {},
      stop() {},
    };
    const sink = memorySink();
    const q = await readStream(source).writeStream.trigger({ availableNow: true }).format(sink).start();
    await q.awaitTermination();
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([2, 2, 2, 1]);
    expect(sink.rows).toHaveLength(7);
  });

  it("processingTime: batches start on the interval, however often data arrives", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    const sink = memorySink();
    const q = await readStream(input).writeStream.trigger({ processingTime: "100 milliseconds" }).format(sink).start();
    for (let i = 0; i < 35; i++) {
      input.addData({ value: i });
      await new Promise((r) => setTimeout(r, 10));
    }
    await q.processAllAvailable(); // waits for the next tick, does not force one
    await q.stop();
    const starts = q.recentProgress.map((p) => Date.parse(p.timestamp));
    expect(starts.length).toBeGreaterThanOrEqual(3);
    expect(starts.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(95);
    expect(sink.rows).toHaveLength(35);
  });

  it("default trigger with maxOffsetsPerTrigger splits a backlog", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    input.addData(rows(25));
    const sink = memorySink();
    const q = await readStream(input, { maxOffsetsPerTrigger: 10 }).writeStream.format(sink).start();
    await q.processAllAvailable();
    await q.stop();
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([10, 10, 5]);
    expect(sink.rows).toHaveLength(25);
  });

  it("rate source: steady rows with due timestamps, replayable from offsets", async () => {
    let now = 1_000_000;
    const source = rateSource({ rowsPerSecond: 10, now: () => now });
    const sink = memorySink<{ timestamp: number; value: number }>();
    const q = await readStream(source).writeStream.format(sink).start();
    now += 1_000;
    await q.processAllAvailable();
    now += 500;
    await q.processAllAvailable();
    await q.stop();
    expect(sink.rows.map((r) => r.value)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(sink.rows[10]!.timestamp).toBe(1_001_000);
    const start = { startMs: 1_000_000, rows: 3 };
    expect(source.getBatch(start, { ...start, rows: 5 })).toEqual([
      { timestamp: 1_000_300, value: 3 },
      { timestamp: 1_000_400, value: 4 },
    ]);
    expect(() => rateSource({ rowsPerSecond: 0 })).toThrow(/rowsPerSecond/);
  });

  it("refuses unknown triggers", () => {
    const input = new MemoryStream(struct({ value: long() }));
    expect(() => readStream(input).writeStream.trigger({ every: 5 } as never)).toThrow(/Unknown trigger/);
    expect(() => readStream(input).writeStream.trigger({ processingTime: "soon" })).toThrow(
      /Invalid duration "soon" for trigger processingTime/,
    );
  });
});
