import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { double, int, struct, timestamp } from "@skp/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parquetSink } from "../src/index.js";
import type { FileEntry } from "../src/manifest.js";
import { ownerOf, readTimes, runBatches, tempDir, visibleFiles } from "./helpers.js";

const schema = struct({ id: int(), ts: timestamp(), value: double() });
const row = (i: number) => ({ id: i % 3, ts: Date.UTC(2025, 10, 6, 7, 0, i), value: i });
const batch = (from: number, n: number) => Array.from({ length: n }, (_, k) => row(from + k));
const META = "_skp_metadata";

const record = (path: string, id: number): { files: FileEntry[] } => JSON.parse(readFileSync(join(path, META, String(id)), "utf8"));
const staged = (path: string) =>
  readdirSync(join(path, META))
    .filter((n) => n.endsWith(".tmp"))
    .sort();

/** Restarts the sink on `path` as the recovering query would, replaying batch `id` with `rows`. */
async function restart(path: string, id: number, rows: ReturnType<typeof row>[]) {
  const sink = parquetSink({ path, partitionBy: ["id"], compaction: false });
  await sink.addBatch(id, rows, { outputMode: "append", fields: schema.fields, queryId: ownerOf(path) });
  await sink.stop?.();
}

describe("parquetSink restart recovery", () => {
  it("a batch's files are staged in _skp_metadata and none are left there after it commits", async () => {
    const path = tempDir();
    await runBatches(schema, [batch(0, 6), batch(6, 6)], { path, partitionBy: ["id"], compaction: false });
    expect(staged(path)).toEqual([]);
    for (const f of record(path, 1).files) expect(f.tmp).toMatch(/^_skp_metadata\/\.part-00001-.*\.snappy\.parquet\.tmp$/);
    expect(await readTimes(path)).toEqual(batch(0, 12).map((r) => r.ts));
  });

  it("moves a committed batch's files into place again when a power loss undid the moves", async () => {
    const path = tempDir();
    await runBatches(schema, [batch(0, 6), batch(6, 6)], { path, partitionBy: ["id"], compaction: false });
    const before = visibleFiles(path);
    for (const f of record(path, 1).files) renameSync(join(path, f.path), join(path, f.tmp!));
    expect(visibleFiles(path)).toHaveLength(before.length - 3);
    await restart(path, 1, batch(100, 6)); // the replayed batch is skipped: it is committed
    expect(visibleFiles(path)).toEqual(before);
    expect(staged(path)).toEqual([]);
    expect(await readTimes(path)).toEqual(batch(0, 12).map((r) => r.ts));
  });

  it("removes the staged files and commit record of a batch that never committed; the batch then runs", async () => {
    const path = tempDir();
    await runBatches(schema, [batch(0, 6)], { path, partitionBy: ["id"], compaction: false });
    const data = readFileSync(join(path, visibleFiles(path)[0]!));
    writeFileSync(join(path, META, ".part-00001-aaaa.snappy.parquet.tmp"), data);
    writeFileSync(join(path, META, ".part-00001-bbbb.snappy.parquet.tmp"), "half a file");
    writeFileSync(join(path, META, ".1.commit.tmp"), '{"v":1,"fi');
    await restart(path, 1, batch(6, 6));
    expect(staged(path)).toEqual([]);
    expect(await readTimes(path)).toEqual(batch(0, 12).map((r) => r.ts));
  });

  it("a committed batch whose files cannot be moved into place fails clearly; they move in on restart", async () => {
    const path = tempDir();
    await runBatches(schema, [batch(0, 6)], { path, partitionBy: ["id"], compaction: false });
    const sink = parquetSink({ path, partitionBy: ["id"], compaction: false });
    writeFileSync(join(path, "id=7"), "a file where a partition directory must go");
    const info = { outputMode: "append" as const, fields: schema.fields, queryId: ownerOf(path) };
    await expect(sink.addBatch(1, [{ id: 7, ts: 0, value: 1 }], info)).rejects.toThrow(
      /Batch 1 under .* is committed, but moving its files into place failed: .*(EEXIST|ENOTDIR).*moved into place when the sink restarts/,
    );
    expect(staged(path)).toHaveLength(1);
    rmSync(join(path, "id=7"));
    await restart(path, 1, [{ id: 7, ts: 0, value: 1 }]);
    expect(staged(path)).toEqual([]);
    expect((await readTimes(path)).length).toBe(7);
  });

  it("rolls back a last commit whose files' names did not survive (nothing moved yet): the batch runs again", async () => {
    const path = tempDir();
    await runBatches(schema, [batch(0, 6), batch(6, 6)], { path, partitionBy: ["id"], compaction: false });
    // The record reached the disk, its files' staged names did not (only one did).
    const [first, ...rest] = record(path, 1).files;
    renameSync(join(path, first!.path), join(path, first!.tmp!));
    for (const f of rest) rmSync(join(path, f.path));
    await restart(path, 1, batch(200, 6));
    expect(staged(path)).toEqual([]);
    expect(record(path, 1).files.map((f) => f.path)).not.toContain(first!.path);
    expect(await readTimes(path)).toEqual([...batch(0, 6), ...batch(200, 6)].map((r) => r.ts));
  });

  it("reports a committed batch with a file already in place and another gone, instead of papering over it", async () => {
    const path = tempDir();
    await runBatches(schema, [batch(0, 6), batch(6, 6)], { path, partitionBy: ["id"], compaction: false });
    rmSync(join(path, record(path, 1).files[0]!.path));
    await expect(restart(path, 1, batch(6, 6))).rejects.toThrow(
      /_skp_metadata.1 cannot be read: it lists id=\d\/part-00001-.*, which is neither in place nor staged/,
    );
  });

  it("a last batch whose files a compaction replaced is not mistaken for a torn commit", async () => {
    const path = tempDir();
    const sink = await runBatches(
      schema,
      Array.from({ length: 4 }, (_, b) => batch(b * 6, 6)),
      { path, partitionBy: ["id"], compaction: false },
    );
    await sink.compact();
    const files = visibleFiles(path);
    expect(files).toHaveLength(3);
    await restart(path, 3, batch(300, 6));
    expect(visibleFiles(path)).toEqual(files);
    expect(await readTimes(path)).toEqual(batch(0, 24).map((r) => r.ts));
  });

  it("a file a compaction merged is not brought back when a power loss undid its earlier move", async () => {
    const path = tempDir();
    const sink = await runBatches(
      schema,
      Array.from({ length: 3 }, (_, b) => batch(b * 6, 6)),
      { path, partitionBy: ["id"], compaction: false },
    );
    const merged = record(path, 0).files[0]!;
    const bytes = readFileSync(join(path, merged.path));
    await sink.compact();
    expect(existsSync(join(path, merged.path))).toBe(false);
    writeFileSync(join(path, merged.tmp!), bytes); // back under its staged name, as before its move
    await restart(path, 2, batch(400, 6));
    expect(staged(path)).toEqual([]);
    expect(await readTimes(path)).toEqual(batch(0, 18).map((r) => r.ts));
  });

  it("finishes a compaction whose output is in place (deletes the inputs it left)", async () => {
    const path = tempDir();
    const sink = await runBatches(
      schema,
      Array.from({ length: 3 }, (_, b) => batch(b * 6, 6)),
      { path, partitionBy: ["id"], compaction: false },
    );
    await sink.compact();
    const after = visibleFiles(path);
    // Compaction 0 crashed after moving its output in, before deleting its inputs and logging itself.
    const c0 = JSON.parse(readFileSync(join(path, META, "compact-0"), "utf8"));
    renameSync(join(path, META, "compact-0"), join(path, META, ".compact-0.pending"));
    for (const input of c0.inputs as string[]) writeFileSync(join(path, input), "an input not yet deleted");
    await restart(path, 2, batch(400, 6));
    expect(existsSync(join(path, META, "compact-0"))).toBe(true);
    expect(existsSync(join(path, META, ".compact-0.pending"))).toBe(false);
    expect(visibleFiles(path)).toEqual(after);
    expect(await readTimes(path)).toEqual(batch(0, 18).map((r) => r.ts));
  });

  it("undoes a compaction whose output never moved in (removes it from staging, keeps the inputs)", async () => {
    const path = tempDir();
    await runBatches(
      schema,
      Array.from({ length: 3 }, (_, b) => batch(b * 6, 6)),
      { path, partitionBy: ["id"], compaction: false },
    );
    const before = visibleFiles(path);
    const inputs = before.filter((f) => f.startsWith("id=0/"));
    const name = "part-c00007-zzzz.snappy.parquet";
    writeFileSync(join(path, META, `.${name}.tmp`), "merged, never moved in");
    writeFileSync(
      join(path, META, ".compact-7.pending"),
      JSON.stringify({ v: 1, inputs, output: { path: `id=0/${name}`, rows: 6, tmp: `${META}/.${name}.tmp` } }),
    );
    await restart(path, 2, batch(400, 6));
    expect(readdirSync(join(path, META)).filter((n) => n.includes("compact"))).toEqual([]);
    expect(staged(path)).toEqual([]);
    expect(visibleFiles(path)).toEqual(before);
    expect(await readTimes(path)).toEqual(batch(0, 18).map((r) => r.ts));
  });

  it("property: a power loss undoing any subset of any batches' moves (merged or not), with or without a torn last batch, leaves every row exactly once after restart", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 14 }), // a snapshot folds the log every 10 batches
        fc.infiniteStream(fc.boolean()),
        fc.constantFrom("none", "compacted", "torn"),
        async (sizes, undo, ending) => {
          const path = tempDir();
          const batches = sizes.map((n, b) => batch(b * 10, n));
          const sink = await runBatches(schema, batches, { path, partitionBy: ["id"], compaction: false });
          const last = batches.length - 1;
          // Moves up to the latest snapshot were synced before it deleted their records: only later ones can be undone.
          const snapshot = Math.max(
            -1,
            ...readdirSync(join(path, META))
              .filter((n) => n.startsWith("snapshot-"))
              .map((n) => Number(n.slice(9))),
          );
          const files = batches.flatMap((_, b) => (b > snapshot ? record(path, b).files : []));
          const bytes = new Map(files.map((f) => [f.path, readFileSync(join(path, f.path))]));
          if (ending === "compacted") await sink.compact();
          for (const f of files) {
            if (!undo.next().value) continue;
            // The move is undone: the file is back under its staged name (merged since, or not).
            if (existsSync(join(path, f.path))) renameSync(join(path, f.path), join(path, f.tmp!));
            else writeFileSync(join(path, f.tmp!), bytes.get(f.path)!);
          }
          let replay = batches[last]!;
          if (ending === "torn" && last > snapshot) {
            // a snapshot is only written after its batch's commit is durable
            // The last record survived, its files' names did not: nothing of it was moved yet.
            for (const f of record(path, last).files) rmSync(existsSync(join(path, f.tmp!)) ? join(path, f.tmp!) : join(path, f.path));
            replay = batch(1000, 3);
          }
          await restart(path, last, replay);
          expect(staged(path)).toEqual([]);
          expect(await readTimes(path)).toEqual([...batches.slice(0, last).flat(), ...replay].map((r) => r.ts).sort((a, b) => a - b));
        },
      ),
      { numRuns: 30 },
    );
  });
});
