import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, long, MemoryStream, memorySink, readStream, string, struct, window } from "../src/index.js";
import { runBatches, SEC, secondsInput, splitAt } from "./helpers.js";

const state = (p: { stateOperators: { numRowsTotal: number; numRowsUpdated: number; numRowsDroppedByWatermark: number }[] }) => {
  const s = p.stateOperators[0]!;
  return { total: s.numRowsTotal, updated: s.numRowsUpdated, dropped: s.numRowsDroppedByWatermark };
};

describe("dropDuplicates (Spark's StreamingDeduplicationSuite)", () => {
  it("without a watermark: the first row of each key passes, state keeps every key", async () => {
    const input = new MemoryStream(struct({ value: string() }));
    const { sink, progress } = await runBatches(input, readStream(input).dropDuplicates(), [
      [{ value: "a" }, { value: "a" }],
      [{ value: "a" }, { value: "b" }],
    ]);
    expect(sink.rows.map((r) => r.value)).toEqual(["a", "b"]);
    expect(state(progress.at(-1)!)).toEqual({ total: 2, updated: 1, dropped: 0 });
    expect(progress.at(-1)!.stateOperators[0]).toMatchObject({ operatorName: "dedupe", customMetrics: { numDroppedDuplicateRows: 1 } });
  });

  it("with a watermark on a key column: late rows dropped and counted, keys evicted by the watermark", async () => {
    const { input, frame } = secondsInput();
    const q = frame.withWatermark("eventTime", "10 seconds").dropDuplicates();
    const sink = memorySink<{ value: number; eventTime: number }>();
    const query = await q.writeStream.format(sink).start();
    const step = async (values: number[]) => {
      const before = sink.rows.length;
      input.addData(values.map((value) => ({ value })));
      await query.processAllAvailable();
      return { out: sink.rows.slice(before).map((r) => r.value), s: state(query.lastProgress!) };
    };
    const first = await step([...[1, 2, 3, 4, 5].flatMap(() => [10, 11, 12, 13, 14, 15])]);
    expect(first.out).toEqual([10, 11, 12, 13, 14, 15]);
    expect(first.s.total).toBe(6);
    // Watermark to 15 s; the no-data batch after it evicts keys at or below 15.
    expect((await step([25])).out).toEqual([25]);
    expect(query.lastProgress!.stateOperators[0]!.numRowsTotal).toBe(1);
    expect(await step([10])).toEqual({ out: [], s: { total: 1, updated: 0, dropped: 1 } });
    // Watermark to 35 s: 25 is evicted.
    expect((await step([45])).out).toEqual([45]);
    expect(query.lastProgress!.stateOperators[0]!.numRowsTotal).toBe(1);
    await query.stop();
  });

  it("keys without the event-time column are never evicted, late rows still dropped", async () => {
    const { input, frame } = secondsInput();
    const f = frame
      .withColumn("k", (r) => r.value % 2)
      .withWatermark("eventTime", "5 seconds")
      .dropDuplicates(["k"]);
    const { sink, progress } = await runBatches(input, f, [
      [{ value: 10 }],
      [{ value: 31 }],
      [{ value: 50 }, { value: 52 }],
      [{ value: 1 }],
    ]);
    expect(sink.rows.map((r) => r.value)).toEqual([10, 31]);
    expect(state(progress.at(-1)!)).toEqual({ total: 2, updated: 0, dropped: 1 });
  });

  it("before an aggregation: counts distinct rows per window", async () => {
    const { input, frame } = secondsInput();
    const f = frame
      .withWatermark("eventTime", "10 seconds")
      .dropDuplicates(["value", "eventTime"])
      .groupBy(window("eventTime", "5 seconds"))
      .agg(count().as("n"));
    const { sink } = await runBatches(input, f, [[10, 10, 11, 11, 12].map((value) => ({ value })), [{ value: 25 }]]);
    expect(sink.rows.map((r) => [r.window.start / SEC, r.n])).toEqual([[10, 3]]);
  });

  it("for any split into micro-batches, equals a batch distinct on the keys (first occurrences, in order)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ a: fc.nat(3), b: fc.constantFrom("x", "y") }), { maxLength: 40 }),
        fc.array(fc.nat(45)),
        async (rows, cuts) => {
          const input = new MemoryStream(struct({ a: long(), b: string() }));
          const { sink } = await runBatches(input, readStream(input).dropDuplicates(["a", "b"]), splitAt(rows, cuts));
          const seen = new Set<string>();
          const want = rows.filter((r) => !seen.has(`${r.a}/${r.b}`) && seen.add(`${r.a}/${r.b}`));
          expect(sink.rows).toEqual(want);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("dropDuplicatesWithinWatermark (Spark 3.5)", () => {
  it("forgets a key once the watermark passes its first event time + delay (Spark's worked example)", async () => {
    const input = new MemoryStream(struct({ _1: string(), _2: long() }));
    const f = readStream(input)
      .withColumn("eventTime", (r) => r._2 * SEC)
      .withWatermark("eventTime", "2 seconds")
      .dropDuplicatesWithinWatermark(["_1"]);
    const sink = memorySink<{ _1: string; _2: number }>();
    const q = await f.writeStream.format(sink).start();
    const step = async (rows: [string, number][]) => {
      const before = sink.rows.length;
      input.addData(rows.map(([a, b]) => ({ _1: a, _2: b })));
      await q.processAllAvailable();
      return sink.rows.slice(before).map((r) => [r._1, r._2]);
    };
    expect(await step([["a", 17]])).toEqual([["a", 17]]); // watermark to 15; "a" expires at 19
    expect(await step([["a", 16]])).toEqual([]);
    expect(await step([["a", 13]])).toEqual([]); // late
    expect(q.lastProgress!.stateOperators[0]!.numRowsDroppedByWatermark).toBe(1);
    expect(
      await step([
        ["b", 22],
        ["c", 21],
      ]),
    ).toEqual([
      ["b", 22],
      ["c", 21],
    ]); // watermark to 20: "a" evicted
    expect(q.lastProgress!.stateOperators[0]!.numRowsTotal).toBe(2);
    expect(await step([["a", 21]])).toEqual([["a", 21]]); // "a" is new again
    expect(await step([["d", 25]])).toEqual([["d", 25]]); // watermark to 23: "a" (23) and "c" (23) evicted
    expect(q.lastProgress!.stateOperators[0]!.numRowsTotal).toBe(2);
    expect(q.lastProgress!.stateOperators[0]!.operatorName).toBe("dedupeWithinWatermark");
    await q.stop();
  });
});

describe("deduplication: plan-time errors", () => {
  const input = new MemoryStream(struct({ id: long(), name: string() }));
  it("names an unknown column", () => {
    expect(() => readStream(input).dropDuplicates(["nope" as "id"])).toThrow(/nope/);
  });
  it("refuses dropDuplicatesWithinWatermark without a watermark, as Spark", () => {
    expect(() => readStream(input).dropDuplicatesWithinWatermark(["id"])).toThrow(/watermark/);
  });
  it("refuses complete mode (no aggregation) and a deduplication after an aggregation", async () => {
    await expect(readStream(input).dropDuplicates().writeStream.outputMode("complete").format(memorySink()).start()).rejects.toThrow(
      /complete/,
    );
    expect(() => readStream(input).groupBy("id").count().dropDuplicates()).toThrow(/after/);
  });
});
