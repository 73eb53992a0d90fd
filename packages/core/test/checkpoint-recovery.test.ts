import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Sink } from "../src/index.js";
import { MemoryStream, memorySink } from "../src/index.js";
import { eventSchema, SCENARIO, tempDir, windowedSums } from "./checkpoint-helpers.js";

/** The single operator directory under `state/`. */
function stateDir(dir: string): string {
  const ops = readdirSync(join(dir, "state"));
  expect(ops).toHaveLength(1);
  return join(dir, "state", ops[0]!);
}

type Out = { window: { start: number; end: number }; id: number; n: number; total: number };

async function uninterrupted() {
  const input = new MemoryStream(eventSchema, { name: "events" });
  const sink = memorySink<Out>();
  const q = await windowedSums(input).writeStream.format(sink).option("checkpointLocation", tempDir()).start();
  for (const batch of SCENARIO) {
    input.addData(batch);
    await q.processAllAvailable();
  }
  await q.stop();
  return sink;
}

describe("checkpoint recovery", () => {
  it("stopping and restarting after every step gives the same output as an uninterrupted run", async () => {
    const expected = await uninterrupted();
    expect(expected.rows.length).toBeGreaterThan(5);
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const sink = memorySink<Out>();
    for (const batch of SCENARIO) {
      const q = await windowedSums(input).writeStream.format(sink).option("checkpointLocation", dir).start();
      input.addData(batch);
      await q.processAllAvailable();
      await q.stop();
    }
    expect(sink.batches).toEqual(expected.batches);
  });

  it("restarts read state from the checkpoint, not by replaying committed input", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const sink = memorySink<Out>();
    let q = await windowedSums(input).writeStream.format(sink).option("checkpointLocation", dir).option("stateSnapshotInterval", 3).start();
    for (const batch of SCENARIO.slice(0, 6)) {
      input.addData(batch);
      await q.processAllAvailable();
    }
    await q.stop();
    const reads: [number, number][] = [];
    const original = input.getBatch.bind(input);
    input.getBatch = (start, end) => {
      reads.push([start, end]);
      return original(start, end);
    };
    q = await windowedSums(input).writeStream.format(sink).option("checkpointLocation", dir).option("stateSnapshotInterval", 3).start();
    for (const batch of SCENARIO.slice(6)) {
      input.addData(batch);
      await q.processAllAvailable();
    }
    await q.stop();
    const before = SCENARIO.slice(0, 6).flat().length;
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every(([start]) => start >= before)).toBe(true); // only rows added after the restart
    expect(sink.batches).toEqual((await uninterrupted()).batches);
    const stateFiles = readdirSync(stateDir(dir));
    expect(stateFiles).toEqual(expect.arrayContaining(["3.snapshot", "6.snapshot"])); // deltas: in the journal
  });

  it("a crash between offsets/N and commits/N re-runs batch N once, with the same offsets and watermark", async () => {
    const expected = await uninterrupted();
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const sink = memorySink<Out>();
    let failOn: number | undefined = 3;
    // Commits to the real sink, then "crashes" before the engine can write commits/3.
    const crashingSink: Sink<Out> = {
      description: "CrashAfterSink",
      addBatch(batchId, rows, info) {
        sink.addBatch(batchId, rows, info);
        if (batchId === failOn) throw new Error("simulated crash");
      },
    };
    let q = await windowedSums(input).writeStream.format(crashingSink).option("checkpointLocation", dir).start();
    let i = 0;
    for (; i < SCENARIO.length; i++) {
      input.addData(SCENARIO[i]!);
      try {
        await q.processAllAvailable();
      } catch {
        break;
      }
    }
    expect(q.isActive).toBe(false);
    expect(existsSync(join(dir, "offsets", "3"))).toBe(true);
    expect(existsSync(join(dir, "commits", "3"))).toBe(false);
    const planned = readFileSync(join(dir, "offsets", "3"), "utf8").split("\n");
    expect(planned[0]).toBe("v1");

    failOn = undefined;
    const progress: number[] = [];
    q = await windowedSums(input).writeStream.format(crashingSink).option("checkpointLocation", dir).start();
    q.progress$.subscribe((p) => progress.push(p.batchId));
    await q.processAllAvailable();
    expect(progress[0]).toBe(3); // batch 3 re-ran first
    expect(q.recentProgress[0]!.eventTime.watermark).toBe(new Date(JSON.parse(planned[1]!).batchWatermarkMs).toISOString());
    for (i++; i < SCENARIO.length; i++) {
      input.addData(SCENARIO[i]!);
      await q.processAllAvailable();
    }
    await q.stop();
    expect(sink.batches).toEqual(expected.batches); // no duplicate from the re-run, nothing missing
  });

  it("trigger once runs one batch per start, with no trailing no-data batch", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const sink = memorySink<Out>();
    const starts: number[][] = [];
    for (const batch of SCENARIO.slice(0, 4)) {
      input.addData(batch);
      const q = await windowedSums(input).writeStream.trigger({ once: true }).format(sink).option("checkpointLocation", dir).start();
      await q.awaitTermination();
      starts.push(q.recentProgress.map((p) => p.batchId));
    }
    expect(starts).toEqual([[0], [1], [2], [3]]);
  });

  it("availableNow processes what is there at start, then the due no-data batch, across restarts", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const sink = memorySink<Out>();
    input.addData(SCENARIO[0]!);
    input.addData(SCENARIO[2]!);
    let q = await windowedSums(input).writeStream.trigger({ availableNow: true }).format(sink).option("checkpointLocation", dir).start();
    await q.awaitTermination();
    expect(inputRows(q)).toEqual(["0:4", "1:0"]);
    expect(sink.rows.map((r) => [r.window.start, r.id, r.n])).toEqual([
      [0, 1, 2],
      [0, 2, 1],
    ]);
    input.addData([
      { id: 1, ts: 30_000, v: 1 },
      { id: 2, ts: 40_000, v: 1 },
    ]); // watermark → 30 s
    q = await windowedSums(input).writeStream.trigger({ availableNow: true }).format(sink).option("checkpointLocation", dir).start();
    await q.awaitTermination();
    expect(inputRows(q)).toEqual(["2:2", "3:0"]);
    expect(sink.rows.map((r) => [r.window.start, r.id, r.n])).toEqual([
      [0, 1, 2],
      [0, 2, 1],
      [20_000, 2, 1],
    ]);
  });

  it("purges old log entries and state files, and can still restart", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const sink = memorySink<Out>();
    const start = () =>
      windowedSums(input)
        .writeStream.format(sink)
        .option("checkpointLocation", dir)
        .option("minBatchesToRetain", 3)
        .option("stateSnapshotInterval", 2)
        .start();
    let q = await start();
    for (let b = 0; b < 35; b++) {
      input.addData({ id: b % 3, ts: b * 2_000, v: 1 });
      await q.processAllAvailable();
    }
    await q.stop();
    const offsets = readdirSync(join(dir, "offsets")).filter((n) => /^\d+$/.test(n));
    expect(offsets.length).toBeLessThanOrEqual(3 + 10);
    expect(Math.min(...offsets.map(Number))).toBeGreaterThan(10);
    const state = readdirSync(stateDir(dir));
    expect(state.some((f) => f === "2.snapshot" || f === "1.delta")).toBe(false);
    q = await start();
    input.addData({ id: 0, ts: 200_000, v: 1 });
    await q.processAllAvailable();
    await q.stop();
    expect(q.recentProgress[0]!.stateOperators[0]!.numRowsTotal).toBeGreaterThan(0);
  });

  it("records the initial offset at first start, so a restart before the first batch skips nothing", async () => {
    const dir = tempDir();
    let produced = 0;
    // Like Kafka's startingOffsets "latest": the initial offset is wherever the data ends right now.
    const source = {
      description: "Latest",
      identity: "Latest",
      fields: { value: eventSchema.fields.v },
      initialOffset: () => produced,
      latestOffset: () => produced,
      getBatch: (start: number, end: number) => Array.from({ length: end - start }, (_, i) => ({ value: start + i })),
      commit() {},
      stop() {},
    };
    const sink = memorySink<{ value: number }>();
    const { readStream } = await import("../src/index.js");
    produced = 5; // before the first start: not read
    let q = await readStream(source).writeStream.format(sink).option("checkpointLocation", dir).start();
    await q.stop(); // stopped before any batch ran
    produced = 8; // arrives while the query is down
    q = await readStream(source).writeStream.format(sink).option("checkpointLocation", dir).start();
    await q.processAllAvailable();
    await q.stop();
    expect(sink.rows.map((r) => r.value)).toEqual([5, 6, 7]);
    expect(readFileSync(join(dir, "sources", "0", "0"), "utf8")).toBe("v1\n5");
  });
});

/** `batchId:numInputRows` of each batch the query ran. */
function inputRows(q: { recentProgress: readonly { batchId: number; numInputRows: number }[] }): string[] {
  return q.recentProgress.map((p) => `${p.batchId}:${p.numInputRows}`);
}
