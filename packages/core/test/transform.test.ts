import type { OperatorFunction } from "rxjs";
import { concatMap, delay, filter, map, mergeMap, Observable, of, scan, take } from "rxjs";
import { describe, expect, it } from "vitest";
import type { MicroBatch } from "../src/index.js";
import { long, MemoryStream, memorySink, readStream, struct } from "../src/index.js";
import { tempDir } from "./checkpoint-helpers.js";

type V = { value: number };
type B = MicroBatch<V>;

/** Running totals over every row the transform has seen in this run (an RxJS user's `scan`). */
const runningTotals = (): OperatorFunction<B, B> => (src) =>
  src.pipe(
    scan(
      (acc, b) => {
        let total = acc.total;
        const rows = b.rows.map((r) => ({ value: (total += r.value) }));
        return { total, batch: { ...b, rows } };
      },
      { total: 0, batch: undefined as unknown as B },
    ),
    map((s) => s.batch),
  );

async function runOver(transform: OperatorFunction<B, B>, batches: number[][], options: { timeout?: number; name?: string } = {}) {
  const input = new MemoryStream(struct({ value: long() }));
  const sink = memorySink<V>();
  const writer = readStream(input).transform(transform, { name: options.name }).writeStream.format(sink);
  if (options.timeout !== undefined) writer.option("transformTimeout", options.timeout);
  const q = await writer.start();
  let failure: unknown;
  for (const rows of batches) {
    input.addData(...rows.map((value) => ({ value })));
    failure = await q.processAllAvailable().then(
      () => undefined,
      (e) => e,
    );
    if (failure) break;
  }
  await q.stop();
  return { values: sink.rows.map((r) => r.value), failure: failure as Error | undefined, q };
}

describe("transform: a user's RxJS operator lives for the whole query run", () => {
  it("scan keeps its accumulator across micro-batches", async () => {
    const { values, failure } = await runOver(runningTotals(), [[1, 2], [3], [4, 5]]);
    expect(failure).toBeUndefined();
    expect(values).toEqual([1, 3, 6, 10, 15]);
  });

  it("is subscribed once per run, not once per batch", async () => {
    let subscriptions = 0;
    const counted: OperatorFunction<B, B> = (src) =>
      new Observable<B>((sub) => {
        subscriptions++;
        return src.subscribe(sub);
      });
    const { values } = await runOver(counted, [[1], [2], [3]]);
    expect(values).toEqual([1, 2, 3]);
    expect(subscriptions).toBe(1);
  });

  it("an asynchronous transform may take its time; batches stay in order", async () => {
    const slow: OperatorFunction<B, B> = concatMap((b) => of(b).pipe(delay(b.batchId === 0 ? 30 : 1)));
    const { values, failure } = await runOver(slow, [[1], [2], [3]]);
    expect(failure).toBeUndefined();
    expect(values).toEqual([1, 2, 3]);
  });

  it("a transform that drops a batch fails the query after transformTimeout instead of stalling it", async () => {
    const { failure, values } = await runOver(
      filter((b: B) => b.rows.length > 1),
      [[1, 2], [3], [4, 5]],
      { timeout: 50, name: "dropper" },
    );
    expect(failure?.message).toMatch(/transform "dropper" has not emitted batch 1 within 50 ms: it dropped the batch/);
    expect(values).toEqual([1, 2]);
  });

  it("a transform that emits another batch's id fails the query", async () => {
    const { failure, values } = await runOver(
      map((b: B) => ({ ...b, batchId: b.batchId + 1 })),
      [[1]],
    );
    expect(failure?.message).toMatch(/transform "#1" emitted batch 1 but never batch 0/);
    expect(values).toEqual([]);
  });

  it("a transform that splits a batch in two fails the query", async () => {
    const split: OperatorFunction<B, B> = mergeMap((b) => [
      { ...b, rows: b.rows.slice(0, 1) },
      { ...b, rows: b.rows.slice(1) },
    ]);
    const { failure, values } = await runOver(split, [[1, 2]], { name: "splitter" });
    expect(failure?.message).toMatch(/transform "splitter" emitted batch 0 more than once/);
    expect(values).toEqual([]);
  });

  it("a transform that emits something other than a batch fails the query", async () => {
    const { failure } = await runOver(
      map((b: B) => b.rows as unknown as B),
      [[1]],
    );
    expect(failure?.message).toMatch(/transform "#1" emitted a value that is not a micro-batch/);
  });

  it("a transform that throws fails the query with the transform and batch named", async () => {
    const boom = map((b: B) => {
      if (b.batchId === 1) throw new Error("boom");
      return b;
    });
    const { failure, values } = await runOver(boom, [[1], [2]], { name: "thrower" });
    expect(failure?.message).toMatch(/Operator transform "thrower" failed in batch 1: boom/);
    expect(values).toEqual([1]);
  });

  it("a transform that completes (take) fails the query", async () => {
    const { failure } = await runOver(take(1), [[1], [2]]);
    expect(failure?.message).toMatch(/transform "#1" completed while the query was running/);
  });

  it("after a crash, a restart replays the unfinished batch with the transform's state begun afresh", async () => {
    const dir = tempDir();
    const input = new MemoryStream(struct({ value: long() }));
    const sink = memorySink<V>();
    let crash = true;
    const crashing: OperatorFunction<B, B> = (src) =>
      src.pipe(
        map((b) => {
          if (crash && b.batchId === 1) throw new Error("crash");
          return b;
        }),
        runningTotals(),
      );
    const start = () => readStream(input).transform(crashing).writeStream.option("checkpointLocation", dir).format(sink).start();
    const first = await start();
    input.addData({ value: 1 }, { value: 2 });
    await first.processAllAvailable();
    input.addData({ value: 3 });
    await expect(first.processAllAvailable()).rejects.toThrow(/crash/);
    crash = false;
    const second = await start();
    await second.processAllAvailable();
    input.addData({ value: 4 }, { value: 5 });
    await second.processAllAvailable();
    await second.stop();
    // Batch 0 from the first run; batch 1 re-run exactly once by the second, whose scan starts at 0.
    expect(sink.batches.map((b) => [b.batchId, b.rows.map((r) => r.value)])).toEqual([
      [0, [1, 3]],
      [1, [3]],
      [2, [7, 12]],
    ]);
  });
});
