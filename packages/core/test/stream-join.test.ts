import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { count, long, MemoryStream, memorySink, readStream, struct } from "../src/index.js";
import { canonical, SEC } from "./helpers.js";

/** Spark's StreamingJoinSuite inputs: `value` → `key`, and a value column derived from it. */
function sides() {
  const left = new MemoryStream(struct({ value: long() }));
  const right = new MemoryStream(struct({ value: long() }));
  const l = readStream(left)
    .withColumn("key", (r) => r.value)
    .withColumn("leftValue", (r) => r.value * 2)
    .select("key", "leftValue");
  const r = readStream(right)
    .withColumn("key", (r) => r.value)
    .withColumn("rightValue", (r) => r.value * 3)
    .select("key", "rightValue");
  return { left, right, l, r };
}

/** Time-stamped sides: `(key, seconds)` → `key`, `leftTime`/`rightTime` (ms), watermark 10 s each. */
function timedSides() {
  const left = new MemoryStream(struct({ key: long(), t: long() }));
  const right = new MemoryStream(struct({ key: long(), t: long() }));
  const l = readStream(left)
    .withColumn("leftTime", (r) => r.t * SEC)
    .select("key", "leftTime")
    .withWatermark("leftTime", "10 seconds");
  const r = readStream(right)
    .withColumn("rightTime", (r) => r.t * SEC)
    .select("key", "rightTime")
    .withWatermark("rightTime", "10 seconds");
  return { left, right, l, r };
}

const range = { left: "leftTime" as const, right: "rightTime" as const, lower: "0 seconds", upper: "5 seconds" };

describe("union", () => {
  it("both streams' rows, and an aggregation over them", async () => {
    const a = new MemoryStream(struct({ k: long() }));
    const b = new MemoryStream(struct({ k: long() }));
    const sink = memorySink<{ k: number; count: number }>();
    const q = await readStream(a).union(readStream(b)).groupBy("k").count().writeStream.outputMode("complete").format(sink).start();
    a.addData([{ k: 1 }, { k: 2 }]);
    b.addData([{ k: 1 }]);
    await q.processAllAvailable();
    b.addData([{ k: 2 }, { k: 3 }]);
    await q.processAllAvailable();
    expect(q.lastProgress?.sources.map((s) => s.description)).toEqual([
      expect.stringMatching(/MemoryStream/),
      expect.stringMatching(/MemoryStream/),
    ]);
    await q.stop();
    const last = sink.batches.at(-1)!.rows;
    expect(canonical(last)).toEqual(
      canonical([
        { k: 1, count: 2 },
        { k: 2, count: 2 },
        { k: 3, count: 1 },
      ]),
    );
  });

  it("availableNow with per-source batch limits reads every source to its end, not one batch", async () => {
    const a = new MemoryStream(struct({ k: long() }));
    const b = new MemoryStream(struct({ k: long() }));
    a.addData(Array.from({ length: 50 }, (_, k) => ({ k })));
    b.addData(Array.from({ length: 30 }, (_, k) => ({ k })));
    const sink = memorySink<{ k: number }>();
    const q = await readStream(a, { maxOffsetsPerTrigger: 10 })
      .union(readStream(b, { maxOffsetsPerTrigger: 7 }))
      .writeStream.trigger({ availableNow: true })
      .format(sink)
      .start();
    await q.awaitTermination();
    expect(sink.rows).toHaveLength(80);
    expect(sink.batches.length).toBeGreaterThanOrEqual(5);
  });

  it("refuses streams with other columns, naming the first that differs", () => {
    const a = readStream(new MemoryStream(struct({ k: long() })));
    const b = readStream(new MemoryStream(struct({ j: long() })));
    expect(() => a.union(b as never)).toThrow(/column 1: k/);
  });
});

describe("stream-stream inner join (Spark's StreamingJoinSuite)", () => {
  it("on a non-time column: each pair once, whichever side comes first; state survives a restart", async () => {
    const { left, right, l, r } = sides();
    const dir = mkdtempSync(join(tmpdir(), "skp-join-"));
    const sink = memorySink<{ key: number; leftValue: number; rightValue: number }>();
    const start = () => l.join(r, { on: "key" }).writeStream.option("checkpointLocation", dir).format(sink).start();
    let q = await start();
    const step = async (add: () => void) => {
      const before = sink.rows.length;
      add();
      await q.processAllAvailable();
      return sink.rows.slice(before).map((x) => [x.key, x.leftValue, x.rightValue]);
    };
    expect(await step(() => left.addData({ value: 1 }))).toEqual([]);
    expect(await step(() => right.addData([{ value: 1 }, { value: 10 }]))).toEqual([[1, 2, 3]]);
    expect(await step(() => left.addData({ value: 10 }))).toEqual([[10, 20, 30]]);
    expect(await step(() => right.addData({ value: 1 }))).toEqual([[1, 2, 3]]);
    await q.stop();
    q = await start();
    // Two 1s on the right are in state: a new left 1 joins both.
    expect(await step(() => left.addData({ value: 1 }))).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    await q.stop();
    q = await start();
    const both = () => {
      left.addData({ value: 100 });
      right.addData({ value: 100 });
    };
    expect(await step(both)).toEqual([[100, 200, 300]]);
    expect(q.lastProgress!.stateOperators.map((s) => s.operatorName)).toEqual([
      "symmetricHashJoin(inner).left",
      "symmetricHashJoin(inner).right",
    ]);
    await q.stop();
  });

  it("with a time range and watermarks: matches within the range only, state evicted behind the watermark", async () => {
    const { left, right, l, r } = timedSides();
    const sink = memorySink<{ key: number; leftTime: number; rightTime: number }>();
    const q = await l.join(r, { on: "key", timeRange: range }).writeStream.format(sink).start();
    left.addData([
      { key: 1, t: 10 },
      { key: 2, t: 10 },
    ]);
    right.addData([
      { key: 1, t: 14 },
      { key: 2, t: 16 },
      { key: 3, t: 10 },
    ]);
    await q.processAllAvailable();
    expect(sink.rows.map((x) => [x.key, x.leftTime / SEC, x.rightTime / SEC])).toEqual([[1, 10, 14]]);
    // Watermark = min(10, 16) - 10 = 0 s. Moving both sides to 40 s: watermark 30 s; left rows at or
    // below 30 - 5 and right rows at or below 30 + 0 leave state.
    left.addData({ key: 9, t: 40 });
    right.addData({ key: 8, t: 40 });
    await q.processAllAvailable();
    await q.processAllAvailable();
    const [ls, rs] = q.lastProgress!.stateOperators;
    expect([ls?.numRowsTotal, rs?.numRowsTotal]).toEqual([1, 1]);
    // A row late for its side (at or below the watermark) is dropped and counted.
    right.addData({ key: 9, t: 20 });
    await q.processAllAvailable();
    expect(q.lastProgress!.stateOperators[1]?.numRowsDroppedByWatermark).toBe(1);
    await q.stop();
  });
});

describe("stream-stream outer and semi joins", () => {
  it("leftOuter: an unmatched left row is emitted with nulls once the watermark passes its bound, once", async () => {
    const { left, right, l, r } = timedSides();
    const sink = memorySink<{ key: number; leftTime: number; rightTime: number | null }>();
    const q = await l.join(r, { on: "key", type: "leftOuter", timeRange: range }).writeStream.format(sink).start();
    left.addData([
      { key: 1, t: 10 },
      { key: 2, t: 10 },
    ]);
    right.addData({ key: 1, t: 12 });
    await q.processAllAvailable();
    expect(sink.rows.map((x) => [x.key, x.rightTime])).toEqual([[1, 12 * SEC]]);
    // Watermark to 15 s (25 - 10): key 2's bound is 10 + 5 = 15: at or below the watermark, no match can come.
    left.addData({ key: 5, t: 25 });
    right.addData({ key: 6, t: 25 });
    await q.processAllAvailable();
    await q.processAllAvailable();
    expect(sink.rows.map((x) => [x.key, x.rightTime])).toEqual([
      [1, 12 * SEC],
      [2, null],
    ]);
    left.addData({ key: 7, t: 60 });
    right.addData({ key: 7, t: 60 });
    await q.processAllAvailable();
    // Key 1 matched (never null), key 2 already out; 5 now unmatched and evicted.
    expect(sink.rows.filter((x) => x.rightTime === null).map((x) => x.key)).toEqual([2, 5]);
    await q.stop();
  });

  it("rightOuter, fullOuter and leftSemi", async () => {
    const run = async (type: "rightOuter" | "fullOuter" | "leftSemi") => {
      const { left, right, l, r } = timedSides();
      const sink = memorySink<Record<string, unknown>>();
      const q = await l.join(r, { on: "key", type, timeRange: range }).writeStream.format(sink).start();
      left.addData([
        { key: 1, t: 10 },
        { key: 2, t: 10 },
      ]);
      right.addData([
        { key: 1, t: 11 },
        { key: 1, t: 12 },
        { key: 3, t: 10 },
      ]);
      await q.processAllAvailable();
      left.addData({ key: 9, t: 60 });
      right.addData({ key: 9, t: 60 });
      await q.processAllAvailable();
      await q.stop();
      return sink.rows
        .filter((x) => x.key !== 9)
        .map((x) => [
          x.key,
          x.leftTime === null ? null : Number(x.leftTime) / SEC,
          x.rightTime === undefined ? "-" : x.rightTime === null ? null : Number(x.rightTime) / SEC,
        ]);
    };
    expect(canonical(await run("rightOuter"))).toEqual(
      canonical([
        [1, 10, 11],
        [1, 10, 12],
        [3, null, 10],
      ]),
    );
    expect(canonical(await run("fullOuter"))).toEqual(
      canonical([
        [1, 10, 11],
        [1, 10, 12],
        [3, null, 10],
        [2, 10, null],
      ]),
    );
    expect(await run("leftSemi")).toEqual([[1, 10, "-"]]);
  });
});

describe("stream-stream joins: Spark's plan-time refusals", () => {
  const { l, r } = timedSides();
  it("an outer join without a time range and watermarks, with Spark's reason", () => {
    expect(() => l.join(r, { on: "key", type: "leftOuter" })).toThrow(
      /LeftOuter join between two streaming DataFrame\/Datasets is not supported without a watermark/,
    );
    const plain = sides();
    expect(() => plain.l.join(plain.r, { on: "key", type: "fullOuter" })).toThrow(/FullOuter/);
  });
  it("update mode, a shared non-key column, an aggregation before the join", async () => {
    await expect(l.join(r, { on: "key" }).writeStream.outputMode("update").format(memorySink()).start()).rejects.toThrow(
      /Update output mode/,
    );
    const s = sides();
    expect(() => s.l.join(s.l, { on: "key" })).toThrow(/leftValue/);
    expect(() =>
      s.l
        .groupBy("key")
        .agg(count().as("n"))
        .join(s.r, { on: "key" as never }),
    ).toThrow(/after/);
  });
});
