import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { avg, count, MemoryStream, memorySink, readStream, sessionWindow, window } from "../src/index.js";
import { eventSchema, SCENARIO, tempDir, windowedSums } from "./checkpoint-helpers.js";

/** Three input batches and the no-data batch they make due: batches 0..3 in the logs. */
async function runOnce(dir: string, input = new MemoryStream(eventSchema, { name: "events" })) {
  const q = await windowedSums(input).writeStream.format(memorySink()).option("checkpointLocation", dir).start();
  for (const batch of SCENARIO.slice(0, 3)) {
    input.addData(batch);
    await q.processAllAvailable();
  }
  await q.stop();
  return input;
}

/**
 * The log files alone, as a checkpoint written before the journal (skp ≤ 0.2) has them: with the
 * journal present, a damaged copy is simply rewritten from it (checkpoint-journal.test.ts).
 */
const dropJournal = (dir: string) => rmSync(join(dir, "wal"), { recursive: true });

const start = (
  frame: { writeStream: { format(s: unknown): { option(k: "checkpointLocation", v: string): { start(): Promise<unknown> } } } },
  dir: string,
) => frame.writeStream.format(memorySink()).option("checkpointLocation", dir).start();

describe("checkpoint refusals", () => {
  it("refuses a query whose grouping keys, window, aggregates or source changed, naming what changed", async () => {
    const dir = tempDir();
    const input = await runOnce(dir);
    const base = readStream(input).withWatermark("ts", "10 seconds");
    await expect(start(base.groupBy(window("ts", "5 seconds")).agg(count().as("n")) as never, dir)).rejects.toThrow(
      /different query: the grouping keys changed from \["id"\] to \[\]/,
    );
    await expect(start(base.groupBy(window("ts", "10 seconds"), "id").agg(count().as("n")) as never, dir)).rejects.toThrow(
      /the window changed from "window\(ts, 5000ms, 5000ms, 0ms\)" to "window\(ts, 10000ms/,
    );
    await expect(start(base.groupBy(sessionWindow("ts", "5 seconds"), "id").agg(count().as("n")) as never, dir)).rejects.toThrow(
      /the window changed/,
    );
    await expect(start(base.groupBy(window("ts", "5 seconds"), "id").agg(avg("v").as("n")) as never, dir)).rejects.toThrow(
      /the aggregates changed/,
    );
    const other = new MemoryStream(eventSchema, { name: "other" });
    await expect(start(windowedSums(other) as never, dir)).rejects.toThrow(/the source changed from "MemoryStream\[events\]/);
    // A stateless change is fine, as in Spark.
    const q = await windowedSums(input)
      .filter((r) => r.id > 0)
      .writeStream.format(memorySink())
      .option("checkpointLocation", dir)
      .start();
    await q.stop();
  });

  it("refuses a changed watermark policy recorded in the offsets log", async () => {
    const dir = tempDir();
    const input = await runOnce(dir);
    await expect(
      windowedSums(input).writeStream.format(memorySink()).option("checkpointLocation", dir).option("watermarkPolicy", "max").start(),
    ).rejects.toThrow(/option "watermarkPolicy" changed from "min" to "max"/);
  });

  it.each([
    [
      "a truncated offsets file",
      "offsets/3",
      (t: string) => t.slice(0, t.indexOf("\n") + 5),
      /offsets\/3 cannot be read: batch metadata is not valid JSON/,
    ],
    ["an offsets file with a foreign first line", "offsets/3", () => "hello", /offsets\/3 cannot be read: first line should be a version/],
    ["an offsets file from a newer version", "offsets/3", (t: string) => t.replace("v1", "v9"), /written by a newer skp/],
    ["an empty commit file", "commits/3", () => "", /commits\/3 cannot be read/],
    ["corrupt metadata", "metadata", () => "{", /metadata cannot be read/],
  ])("names the file for %s, never resetting silently", async (_what, file, mangle, message) => {
    const dir = tempDir();
    const input = await runOnce(dir);
    dropJournal(dir);
    const path = join(dir, file);
    writeFileSync(path, mangle(readFileSync(path, "utf8")));
    await expect(start(windowedSums(input) as never, dir)).rejects.toThrow(message);
  });

  it("refuses a state delta that is missing", async () => {
    const dir = tempDir();
    const input = await runOnce(dir);
    // State deltas live only in the journal: without it, the first one needed is missing.
    dropJournal(dir);
    await expect(start(windowedSums(input) as never, dir)).rejects.toThrow(
      /1\.delta cannot be read: missing: it is needed to rebuild state version 4/,
    );
  });

  it("refuses a second running query on the same checkpoint, and takes over a lock left by a dead process", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const q = await windowedSums(input).writeStream.format(memorySink()).option("checkpointLocation", dir).start();
    await expect(start(windowedSums(input) as never, dir)).rejects.toThrow(/is in use by query .* \(pid \d+\)/);
    await q.stop();
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, ".lock"),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import("node:os")).hostname(), owner: "crashed" }),
    );
    const again = await windowedSums(input).writeStream.format(memorySink()).option("checkpointLocation", dir).start();
    await again.stop();
  });
});
