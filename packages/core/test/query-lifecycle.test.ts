import { map, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { MicroBatch } from "../src/index.js";
import { col, count, int, long, MemoryStream, memorySink, readStream, string, struct, timestamp, window } from "../src/index.js";
import { windowedCount } from "./helpers.js";

describe("StreamingQuery", () => {
  it("reports progress shaped like Spark's StreamingQueryProgress", async () => {
    const { input, agg, sink } = windowedCount();
    const q = await agg.writeStream.queryName("counts").format(sink).start();
    input.addData({ value: 10 }, { value: 12 }, { value: 14 });
    await q.processAllAvailable();
    input.addData({ value: 20 });
    await q.processAllAvailable();
    const p = q.lastProgress!;
    expect(p).toMatchObject({
      id: q.id,
      runId: q.runId,
      name: "counts",
      batchId: 1,
      numInputRows: 1,
      numRowsMalformed: 0,
      eventTime: {
        min: "1970-01-01T00:00:20.000Z",
        max: "1970-01-01T00:00:20.000Z",
        avg: "1970-01-01T00:00:20.000Z",
        watermark: "1970-01-01T00:00:04.000Z",
      },
      sources: [{ description: expect.stringMatching(/^MemoryStream/), startOffset: 3, endOffset: 4, numInputRows: 1 }],
      sink: { description: "MemorySink", numOutputRows: 0 },
    });
    expect(Object.keys(p.durationMs)).toEqual(
      expect.arrayContaining(["latestOffset", "getBatch", "addBatch", "commitOffsets", "triggerExecution"]),
    );
    expect(p.stateOperators[0]).toMatchObject({ numRowsTotal: 2, numRowsUpdated: 1, numRowsDroppedByWatermark: 0 });
    expect(p.stateOperators[0]!.memoryUsedBytes).toBeGreaterThan(0);
    expect(q.recentProgress.map((x) => x.batchId)).toEqual([0, 1]);
    expect(q.recentProgress[0]!.eventTime.watermark).toBe("1970-01-01T00:00:00.000Z");
    await q.stop();
    expect(q.isActive).toBe(false);
    await q.awaitTermination();
  });

  it("results$ streams emitted batches to RxJS subscribers and completes on stop", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    const q = await readStream(input).writeStream.format(memorySink()).start();
    const all = q.results$
      .pipe(
        map((b) => [b.batchId, b.rows.length]),
        toArray(),
      )
      .toPromise();
    input.addData({ value: 1 }, { value: 2 });
    await q.processAllAvailable();
    input.addData({ value: 3 });
    await q.processAllAvailable();
    await q.stop();
    expect(await all).toEqual([
      [0, 2],
      [1, 1],
    ]);
  });

  it("a failing sink fails the query: awaitTermination rejects with the cause, naming the sink and batch", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    const q = await readStream(input)
      .writeStream.foreachBatch(() => {
        throw new Error("disk full");
      })
      .start();
    input.addData({ value: 1 });
    await expect(q.awaitTermination()).rejects.toThrow(/Sink ForeachBatchSink failed to add batch 0: disk full/);
    expect(q.exception?.code).toBe("SINK_FAILED");
    await expect(q.processAllAvailable()).rejects.toThrow(/disk full/);
  });

  it("a throwing user function fails the query with the operator named, and state is not half-updated", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    const q = await readStream(input)
      .withColumn("x", (r) => {
        if (r.value === 13) throw new Error("unlucky");
        return r.value;
      })
      .writeStream.format(memorySink())
      .start();
    input.addData({ value: 13 });
    await expect(q.awaitTermination()).rejects.toThrow(/Operator withColumn\("x"\) failed in batch 0: unlucky/);
  });

  it("awaitTermination(timeout) resolves false while running, true after stop", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    const q = await readStream(input).writeStream.format(memorySink()).start();
    expect(await q.awaitTermination(20)).toBe(false);
    await q.stop();
    expect(await q.awaitTermination(20)).toBe(true);
  });

  it("transform splices an RxJS operator over micro-batches into the plan", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    const tagged = readStream(input).transform(
      map((b: MicroBatch<{ value: number }>) => ({ ...b, rows: b.rows.map((r) => ({ value: r.value, batch: b.batchId })) })),
      { value: long(), batch: long() },
    );
    const sink = memorySink();
    const q = await tagged.filter(col("value").gt(1)).writeStream.format(sink).start();
    input.addData({ value: 1 }, { value: 2 });
    await q.processAllAvailable();
    await q.stop();
    expect(sink.rows).toEqual([{ value: 2, batch: 0 }]);
  });

  it("foreachBatch receives every batch id, including no-data batches", async () => {
    const input = new MemoryStream(struct({ id: int(), ts: timestamp(), tag: string() }));
    const seen: [number, number][] = [];
    const q = await readStream(input)
      .withWatermark("ts", "1 second")
      .groupBy(window("ts", "1 second"), "id")
      .agg(count().as("n"))
      .writeStream.foreachBatch((rows, id) => {
        seen.push([id, rows.length]);
      })
      .start();
    input.addData({ id: 1, ts: 0, tag: "a" }, { id: 1, ts: 5_000, tag: "b" });
    await q.processAllAvailable();
    await q.stop();
    expect(seen).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it("two queries can read one MemoryStream independently", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    const a = memorySink(),
      b = memorySink();
    const qa = await readStream(input).writeStream.format(a).start();
    const qb = await readStream(input)
      .filter((r) => r.value > 1)
      .writeStream.format(b)
      .start();
    input.addData({ value: 1 }, { value: 2 });
    await qa.processAllAvailable();
    await qb.processAllAvailable();
    await qa.stop();
    input.addData({ value: 3 });
    await qb.processAllAvailable();
    await qb.stop();
    expect(a.rows).toHaveLength(2);
    expect(b.rows).toEqual([{ value: 2 }, { value: 3 }]);
  });

  it("a query working through a backlog gives the event loop a turn every few tens of ms", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    input.addData(Array.from({ length: 200 }, (_, i) => ({ value: i })));
    const busy = () => {
      const end = performance.now() + 1;
      while (performance.now() < end) {
        /* a batch's work that waits for nothing */
      }
    };
    const q = await readStream(input, { maxOffsetsPerTrigger: 1 }).writeStream.foreachBatch(busy).start();
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      gaps.push(performance.now() - last);
      last = performance.now();
    }, 1);
    await q.processAllAvailable();
    clearInterval(timer);
    await q.stop();
    expect(q.lastProgress!.batchId).toBe(199);
    // A timer in the same process keeps firing while the 200 batches (≥ 200 ms) run.
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...gaps)).toBeLessThan(200);
  });
});

describe("start-up failures", () => {
  it("start() rejects with a clear error when the source cannot even report its initial offset", async () => {
    const broken = {
      description: "BrokenSource",
      fields: { value: long() },
      initialOffset: () => {
        throw new Error("connection refused");
      },
      latestOffset: () => 0,
      getBatch: () => [],
      commit() {},
      stop() {},
    };
    await expect(readStream(broken).writeStream.format(memorySink()).start()).rejects.toThrow(
      /Source BrokenSource failed during initialOffset: connection refused/,
    );
  });
});

describe("activeQueries()", () => {
  it("lists running queries and forgets them once stopped or failed", async () => {
    const { activeQueries } = await import("../src/index.js");
    const input = new MemoryStream(struct({ value: long() }));
    const a = await readStream(input).writeStream.queryName("a").format(memorySink()).start();
    const b = await failingOnTwo(input, "b");
    expect(activeQueries().filter((q) => q === a || q === b)).toEqual([a, b]);
    input.addData({ value: 2 });
    await b.processAllAvailable().catch(() => {});
    await b.awaitTermination().catch(() => {});
    expect(activeQueries()).toContain(a);
    expect(activeQueries()).not.toContain(b);
    await a.stop();
    expect(activeQueries()).not.toContain(a);
  });
});

describe("addQueryListener (Spark's StreamingQueryListener)", () => {
  it("hears every query start, report its progress and terminate — stopped or failed — and survives a throwing listener", async () => {
    const { addQueryListener } = await import("../src/index.js");
    const events: string[] = [];
    const removeThrowing = addQueryListener({
      onQueryProgress: () => {
        throw new Error("a listener's bug");
      },
    });
    const remove = addQueryListener({
      onQueryStarted: (e) => events.push(`started ${e.name}`),
      onQueryProgress: (p) => events.push(`progress ${p.name} ${p.batchId}`),
      onQueryTerminated: (e) => events.push(`terminated ${e.name} ${e.exception?.code ?? "ok"}`),
    });
    const input = new MemoryStream(struct({ value: long() }));
    const good = await readStream(input).writeStream.queryName("good").format(memorySink()).start();
    input.addData({ value: 1 });
    await good.processAllAvailable();
    await good.stop();
    const bad = await failingOnTwo(input, "bad");
    input.addData({ value: 2 });
    await bad.awaitTermination().catch(() => {});
    remove();
    removeThrowing();
    const later = await readStream(input).writeStream.queryName("unheard").format(memorySink()).start();
    await later.stop();
    // "bad" reads the stream from its start: value 1 in batch 0, then value 2 fails batch 1.
    expect(events).toEqual([
      "started good",
      "progress good 0",
      "terminated good ok",
      "started bad",
      "progress bad 0",
      "terminated bad OPERATOR_FAILED",
    ]);
  });
});

/** A query over `input` that fails on the row with value 2. */
function failingOnTwo(input: MemoryStream<ReturnType<typeof struct<{ value: ReturnType<typeof long> }>>>, name: string) {
  const failing = (r: { value: number }) => {
    if (r.value === 2) throw new Error("no");
    return r.value;
  };
  return readStream(input).withColumn("x", failing).writeStream.queryName(name).format(memorySink()).start();
}
