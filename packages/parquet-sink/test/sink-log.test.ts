import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { double, int, struct, timestamp } from "@skp/core";
import { describe, expect, it } from "vitest";
import { committedFiles, parquetSink } from "../src/index.js";
import { ownerOf, readTimes, runBatches, tempDir, visibleFiles } from "./helpers.js";

const schema = struct({ id: int(), ts: timestamp(), value: double() });
const row = (i: number) => ({ id: i % 3, ts: Date.UTC(2025, 10, 6, 7, 0, i), value: i });
const batches = (n: number, size = 3) => Array.from({ length: n }, (_, b) => Array.from({ length: size }, (_, k) => row(b * size + k)));
const META = "_skp_metadata";
const logNames = (path: string) => readdirSync(join(path, META)).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
const expected = (bs: ReturnType<typeof batches>) => bs.flat().map((r) => r.ts);
const snapshotOf = (path: string, batchId: number) => JSON.parse(readFileSync(join(path, META, `snapshot-${batchId}`), "utf8"));

/** Every row written is read back once, and the log's committed set is exactly what a reader lists. */
async function expectExactlyOnce(path: string, input: ReturnType<typeof batches>) {
  expect((await committedFiles(path)).map((f) => f.path)).toEqual(visibleFiles(path));
  expect(await readTimes(path)).toEqual(expected(input));
}

describe("the sink's log (_skp_metadata)", () => {
  it("stays small: every 10 batches a snapshot folds in the records before it", async () => {
    const path = tempDir();
    const input = batches(25);
    await runBatches(schema, input, { path, partitionBy: ["id"], compaction: false });
    expect(logNames(path)).toEqual(["19", "20", "21", "22", "23", "24", "snapshot-19"]);
    expect(snapshotOf(path, 19).files).toHaveLength(60); // 20 batches x 3 partitions
    await expectExactlyOnce(path, input);
  });

  it("compaction ids keep growing past a snapshot; only later compactions are applied on top of it", async () => {
    const path = tempDir();
    const input = batches(27);
    await runBatches(schema, input, { path, partitionBy: ["id"], compaction: { everyBatches: 5, minFiles: 2 } });
    const later = logNames(path)
      .filter((n) => n.startsWith("compact-"))
      .map((n) => Number(n.slice(8)));
    expect(later.length).toBeGreaterThan(0);
    for (const id of later) expect(id).toBeGreaterThan(snapshotOf(path, 19).compactionId);
    await expectExactlyOnce(path, input);
  });

  it("a restart after a snapshot skips replays, knows its owner, and keeps a last batch whose files were compacted", async () => {
    const path = tempDir();
    const input = batches(10);
    // Batch 9 is compacted right after it commits, and the snapshot folds that compaction's record in.
    await runBatches(schema, input, { path, partitionBy: ["id"], compaction: { everyBatches: 10, minFiles: 2 } });
    expect(logNames(path).filter((n) => n.startsWith("compact-"))).toEqual([]);
    expect(snapshotOf(path, 9).compactionId).toBe(2); // one per partition
    const files = visibleFiles(path);
    expect(files).toHaveLength(3);
    const sink = parquetSink({ path, partitionBy: ["id"] });
    const info = { outputMode: "append" as const, fields: schema.fields, queryId: ownerOf(path) };
    await sink.addBatch(9, [row(900)], info); // a replay: skipped
    expect(visibleFiles(path)).toEqual(files);
    await expect(sink.addBatch(10, [row(901)], { ...info, queryId: "another-query" })).rejects.toThrow(/already holds the output of query/);
    await sink.addBatch(10, [row(1000)], info);
    expect(await readTimes(path)).toEqual([...expected(input), row(1000).ts]);
  });
});
