import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { binary, boolean, double, int, long, MemoryStream, readStream, string, struct, timestamp } from "@skp/core";
import { describe, expect, it } from "vitest";
import { encodeNow } from "../src/encode-job.js";
import { EncodePool } from "../src/encode-pool.js";
import { parquetSink } from "../src/index.js";
import { readAll, tempDir, visibleFiles } from "./helpers.js";

const schema = struct({
  id: int(),
  n: int().nullable(),
  ts: timestamp(),
  value: double().nullable(),
  big: long(),
  ok: boolean(),
  source: string().nullable(),
  raw: binary().nullable(),
});

const row = (i: number) => ({
  id: i % 3,
  n: i % 7 === 0 ? null : i,
  ts: Date.UTC(2025, 10, 6, 7, 0, i) + (i % 1000),
  value: i % 11 === 0 ? null : i / 3,
  big: 2 ** 50 + i,
  ok: i % 2 === 0,
  source: i % 5 === 0 ? null : i % 13 === 0 ? "" : `s-${i}-é`,
  raw: i % 4 === 0 ? null : new Uint8Array([i & 255, 7]),
});

async function write(path: string, rows: ReturnType<typeof row>[], encodeThreads: number): Promise<void> {
  const input = new MemoryStream(schema);
  input.addData(rows);
  const q = await readStream(input, { maxOffsetsPerTrigger: 700 })
    .writeStream.format(parquetSink({ path, partitionBy: ["id"], encodeThreads, compaction: false }))
    .start();
  await q.processAllAvailable();
  await q.stop();
}

const sorted = (rows: Record<string, unknown>[]) =>
  rows
    .map((r) => ({
      ...r,
      id: Number(r.id),
      ts: (r.ts as Date).getTime(),
      big: Number(r.big),
      raw: r.raw == null ? null : [...(r.raw as Uint8Array)],
    }))
    .sort((a, b) => a.ts - b.ts);

describe("encoder threads", () => {
  it("write exactly what main-thread encoding writes: every type, nulls, empty strings, non-ASCII", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => row(i));
    const onThreads = tempDir(),
      inline = tempDir();
    await write(onThreads, rows, 2);
    await write(inline, rows, 0);
    const a = sorted(await readAll(onThreads)),
      b = sorted(await readAll(inline));
    expect(a).toHaveLength(3000);
    expect(a).toEqual(b);
    expect(a.find((r) => r.ts === row(26).ts)).toMatchObject({ source: "", n: 26 });
    expect(a.find((r) => r.ts === row(35).ts)).toMatchObject({ source: null, n: null });
    // Same files per batch and partition either way.
    expect(visibleFiles(onThreads).map((f) => f.split("/")[0])).toEqual(visibleFiles(inline).map((f) => f.split("/")[0]));
    const manifest = (p: string) =>
      JSON.parse(readFileSync(join(p, "_skp_metadata", "0"), "utf8")).files.map((f: { rows: number }) => f.rows);
    expect(manifest(onThreads)).toEqual(manifest(inline));
  });

  it("a failing encoding rejects with a clear error, and the pool keeps working", async () => {
    const pool = new EncodePool(1);
    const bad = {
      columnData: [{ name: "x", data: [1n, "not a number"] as unknown[] }],
      elements: [{ name: "x", type: "INT32" as const, repetition_type: "REQUIRED" as const }],
      codec: "SNAPPY" as const,
    };
    await expect(pool.encode(bad)).rejects.toThrow(/encoding a Parquet file failed/);
    const good = {
      columnData: [{ name: "x", data: Int32Array.from([1, 2, 3]) }],
      elements: [{ name: "x", type: "INT32" as const, repetition_type: "REQUIRED" as const }],
      codec: "SNAPPY" as const,
    };
    const bytes = await pool.encode(good);
    expect(bytes).toEqual(encodeNow({ ...good, columnData: [{ name: "x", data: Int32Array.from([1, 2, 3]) }] }));
    await pool.close();
  });

  it("many jobs at once queue for the threads and each gets its own file back, failures included", async () => {
    const pool = new EncodePool(2);
    const element = { name: "x", type: "INT32" as const, repetition_type: "REQUIRED" as const };
    const job = (k: number) => ({
      columnData: [{ name: "x", data: Int32Array.from({ length: 50 + k }, (_, i) => i * k) }],
      elements: [element],
      codec: "SNAPPY" as const,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, (_, k) =>
        k === 11 ? pool.encode({ ...job(k), columnData: [{ name: "x", data: ["no"] as unknown[] }] }) : pool.encode(job(k)),
      ),
    );
    results.forEach((r, k) => {
      if (k === 11) expect(r.status).toBe("rejected");
      else expect(r).toEqual({ status: "fulfilled", value: encodeNow(job(k)) });
    });
    await pool.close();
  });

  it("idle encoder threads never keep a process alive", () => {
    const path = tempDir();
    const child = fileURLToPath(new URL("./exit-child.ts", import.meta.url));
    const r = spawnSync(process.execPath, ["--import", "tsx", child, path], { timeout: 30_000, encoding: "utf8" });
    expect({ signal: r.signal, status: r.status, stdout: r.stdout }).toEqual({ signal: null, status: 0, stdout: "written\n" });
    expect(visibleFiles(path)).toHaveLength(2);
  });

  it("refuses a bad thread count", () => {
    expect(() => parquetSink({ path: tempDir(), encodeThreads: -1 })).toThrow(/encodeThreads/);
    expect(() => parquetSink({ path: tempDir(), encodeThreads: 1.5 })).toThrow(/encodeThreads/);
  });
});
