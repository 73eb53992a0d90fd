import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { any, binary, boolean, count, double, int, long, MemoryStream, readStream, string, struct, timestamp, window } from "@skp/core";
import { describe, expect, it } from "vitest";
import { committedFiles, parquetSink } from "../src/index.js";
import { ownerOf, readAll, runBatches, tempDir, visibleFiles } from "./helpers.js";

const schema = struct({
  id: int(),
  ts: timestamp(),
  value: double(),
  big: long(),
  ok: boolean(),
  source: string().nullable(),
  raw: binary().nullable(),
  extra: any(),
});
type Ev = {
  id: number;
  ts: number;
  value: number;
  big: number;
  ok: boolean;
  source: string | null;
  raw: Uint8Array | null;
  extra: unknown;
};
const ev = (i: number, over: Partial<Ev> = {}): Ev => ({
  id: i % 3,
  ts: Date.UTC(2025, 10, 6, 7, 0, i),
  value: i + 0.5,
  big: 2 ** 40 + i,
  ok: i % 2 === 0,
  source: i % 4 === 0 ? null : `s${i}`,
  raw: i % 5 === 0 ? null : new Uint8Array([i, 255]),
  extra: { n: i },
  ...over,
});

const run = (path: string, batches: Ev[][], options: Parameters<typeof parquetSink>[0] = { path }) => runBatches(schema, batches, options);

describe("parquetSink", () => {
  it("round-trips every type, nulls and timestamps through hyparquet, partitioned Hive-style", async () => {
    const path = tempDir();
    const rows = Array.from({ length: 12 }, (_, i) => ev(i));
    await run(path, [rows.slice(0, 5), rows.slice(5)], { path, partitionBy: ["id"] });
    expect(readdirSync(path).sort()).toEqual(["_skp_metadata", "id=0", "id=1", "id=2"]);
    for (const f of visibleFiles(path)) expect(f).toMatch(/^id=\d\/part-0000[01]-[0-9a-f-]{36}\.snappy\.parquet$/);
    const back = (await readAll(path)).map((r) => ({
      id: Number(r.id),
      ts: (r.ts as Date).getTime(),
      value: r.value,
      big: Number(r.big),
      ok: r.ok,
      source: r.source,
      raw: r.raw == null ? null : new Uint8Array(r.raw as Uint8Array),
      extra: r.extra,
    }));
    const expected = rows.map((r) => ({ ...r, raw: r.raw }));
    const key = (r: { ts: number }) => r.ts;
    expect(back.sort((a, b) => key(a) - key(b))).toEqual(expected.sort((a, b) => key(a) - key(b)));
    expect(
      JSON.parse(readFileSync(join(path, "_skp_metadata", "0"), "utf8"))
        .files.map((f: { rows: number }) => f.rows)
        .reduce((a: number, b: number) => a + b),
    ).toBe(5);
  });

  it("timestamps in micros when asked, written as INT64 TIMESTAMP(UTC)", async () => {
    const path = tempDir();
    await run(path, [[ev(1)]], { path, timestampUnit: "micros" });
    const { parquetMetadataAsync, asyncBufferFromFile } = await import("hyparquet");
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(join(path, visibleFiles(path)[0]!)));
    const ts = meta.schema.find((e) => e.name === "ts")!;
    expect([ts.type, ts.converted_type, ts.logical_type]).toEqual([
      "INT64",
      "TIMESTAMP_MICROS",
      { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" },
    ]);
    expect(((await readAll(path))[0]!.ts as Date).getTime()).toBe(ev(1).ts);
  });

  it("escapes partition values as Spark does, and names nulls __HIVE_DEFAULT_PARTITION__", async () => {
    const path = tempDir();
    await run(path, [[ev(1, { source: "a/b=c" }), ev(2, { source: null }), ev(3, { source: "50%" })]], { path, partitionBy: ["source"] });
    expect(
      readdirSync(path)
        .filter((n) => n.startsWith("source="))
        .sort(),
    ).toEqual(["source=50%25", "source=__HIVE_DEFAULT_PARTITION__", "source=a%2Fb%3Dc"]);
  });

  it('partitions by several columns (nested directories); values that share a directory name (null and "") share it', async () => {
    const path = tempDir();
    const rows = [
      ev(0, { source: "x" }),
      ev(1, { source: "" }),
      ev(2, { source: null }),
      ev(3, { source: "" }),
      ev(4, { source: null }),
      ev(5, { source: "a/b" }),
    ];
    await run(path, [rows], { path, partitionBy: ["id", "source"] });
    expect(visibleFiles(path).map((f) => f.slice(0, f.lastIndexOf("/")))).toEqual([
      "id=0/source=__HIVE_DEFAULT_PARTITION__",
      "id=0/source=x",
      "id=1/source=__HIVE_DEFAULT_PARTITION__",
      "id=2/source=__HIVE_DEFAULT_PARTITION__",
      "id=2/source=a%2Fb",
    ]);
    const back = (await readAll(path))
      .map((r) => [(r.ts as Date).getTime(), Number(r.id), r.source])
      .sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(back).toEqual(rows.map((r) => [r.ts, r.id, r.source || "__HIVE_DEFAULT_PARTITION__"]));
  });

  it("names timestamp partitions as Spark renders timestamps (UTC, fraction only when present)", async () => {
    const path = tempDir();
    await run(path, [[ev(1, { ts: Date.UTC(2025, 10, 6, 7, 0, 0) }), ev(2, { ts: Date.UTC(2025, 10, 6, 7, 0, 0, 500) })]], {
      path,
      partitionBy: ["ts"],
    });
    expect(
      readdirSync(path)
        .filter((n) => n.startsWith("ts="))
        .sort(),
    ).toEqual(["ts=2025-11-06 07%3A00%3A00", "ts=2025-11-06 07%3A00%3A00.5"]);
  });

  it("skips a batch id it already committed (a replay after restart writes nothing twice)", async () => {
    const path = tempDir();
    const sink = await run(path, [[ev(1), ev(2)]]);
    const before = visibleFiles(path);
    const queryId = ownerOf(path);
    await sink.addBatch(0, [ev(9)], { outputMode: "append", fields: schema.fields, queryId });
    const again = parquetSink({ path }); // a new process: knows only what is on disk
    await again.addBatch(0, [ev(9)], { outputMode: "append", fields: schema.fields, queryId });
    expect(visibleFiles(path)).toEqual(before);
    expect(await readAll(path)).toHaveLength(2);
  });

  it("refuses to write into a path that holds another query's output (its batches would be skipped)", async () => {
    const path = tempDir();
    await run(path, [[ev(1)]]); // a query without checkpoint: a new query id every start
    const input = new MemoryStream(schema);
    const q = await readStream(input).writeStream.format(parquetSink({ path })).start();
    input.addData(ev(2));
    await expect(q.processAllAvailable()).rejects.toThrow(
      /already holds the output of query .*Write to a new path, or restart the original query from its checkpoint/,
    );
    expect(await readAll(path)).toHaveLength(1);
  });

  it("splits files at targetFileRows and records each batch's files in _skp_metadata", async () => {
    const path = tempDir();
    await run(path, [Array.from({ length: 25 }, (_, i) => ev(i))], { path, targetFileRows: 10, compaction: false });
    expect(visibleFiles(path)).toHaveLength(3);
    expect((await committedFiles(path)).map((f) => f.rows)).toEqual(expect.arrayContaining([10, 10, 5]));
  });

  it("compaction merges small files per partition, exactly once, and keeps every row", async () => {
    const path = tempDir();
    const batches = Array.from({ length: 12 }, (_, b) => [ev(b * 3), ev(b * 3 + 1), ev(b * 3 + 2)]);
    const sink = await run(path, batches, { path, partitionBy: ["id"], compaction: false });
    const before = visibleFiles(path).length;
    expect(before).toBe(36);
    const summary = await sink.compact();
    expect(summary).toEqual({ partitions: 3, filesBefore: 36, filesAfter: 3 });
    expect(visibleFiles(path)).toHaveLength(3);
    const rows = await readAll(path);
    expect(rows).toHaveLength(36);
    expect(new Set(rows.map((r) => (r.ts as Date).getTime())).size).toBe(36);
    expect((await committedFiles(path)).map((f) => f.path)).toEqual(visibleFiles(path));
  });

  it("compacts automatically every N batches: a batch per second does not pile up tiny files", async () => {
    const path = tempDir();
    const batches = Array.from({ length: 40 }, (_, b) => [ev(b * 3), ev(b * 3 + 1), ev(b * 3 + 2)]);
    await run(path, batches, { path, partitionBy: ["id"], compaction: { everyBatches: 10, minFiles: 8 } });
    const files = visibleFiles(path).length;
    expect(files).toBeLessThanOrEqual(3 * 4); // without compaction: 120 files
    expect(await readAll(path)).toHaveLength(120);
  });

  it("an unwritable path fails the batch with a clear error, nothing visible, and the batch is retried after a restart", async () => {
    const base = tempDir();
    const path = join(base, "out");
    const chk = join(base, "_chk");
    writeFileSync(path, "a file where the output directory must go"); // fails for root too, unlike permissions
    const input = new MemoryStream(schema);
    input.addData(ev(1), ev(2));
    const q = await readStream(input).writeStream.format(parquetSink({ path })).option("checkpointLocation", chk).start();
    await expect(q.processAllAvailable()).rejects.toThrow(
      /Writing batch 0 under .*out failed: .*(EEXIST|ENOTDIR).*Nothing of the batch is visible; it is retried when the query restarts/,
    );
    expect(existsSync(join(chk, "offsets", "0"))).toBe(true);
    expect(existsSync(join(chk, "commits", "0"))).toBe(false);
    const { rmSync } = await import("node:fs");
    rmSync(path);
    const q2 = await readStream(input).writeStream.format(parquetSink({ path })).option("checkpointLocation", chk).start();
    await q2.processAllAvailable();
    await q2.stop();
    expect(q2.recentProgress[0]!.batchId).toBe(0); // the failed batch re-ran
    expect(await readAll(path)).toHaveLength(2);
  });

  it("refuses update/complete output modes and unknown partition columns", async () => {
    const path = tempDir();
    const input = new MemoryStream(schema);
    const agg = readStream(input).groupBy("id").agg(count().as("n"));
    const q = await agg.writeStream.outputMode("update").format(parquetSink({ path })).start();
    input.addData(ev(1));
    await expect(q.processAllAvailable()).rejects.toThrow(/supports output mode "append" only/);
    const q2 = await readStream(input)
      .writeStream.format(parquetSink({ path: tempDir(), partitionBy: ["nope"] }))
      .start();
    await expect(q2.processAllAvailable()).rejects.toThrow(/partitionBy column "nope" is not in the query output/);
    expect(() => parquetSink({ path, compression: "zstd" as never })).toThrow(/"snappy" or "uncompressed"/);
    void window;
  });
});

describe("compaction bounds", () => {
  it("never writes a compacted file larger than targetFileRows", async () => {
    const path = tempDir();
    const batches = Array.from({ length: 10 }, (_, b) => Array.from({ length: 4 }, (_, i) => ev(b * 4 + i, { id: 0 })));
    const sink = await run(path, batches, { path, targetFileRows: 10, compaction: false });
    expect(visibleFiles(path)).toHaveLength(10);
    await sink.compact();
    const sizes = (await committedFiles(path)).map((f) => f.rows);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40);
    expect(visibleFiles(path)).toHaveLength(5); // 4+4 rows per merged file
    expect(await readAll(path)).toHaveLength(40);
  });
});
