import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { DataType, Fields, Infer } from "@skp/core";
import { MemoryStream, readStream } from "@skp/core";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { afterEach } from "vitest";
import { parquetSink } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "skp-parquet-"));
  dirs.push(d);
  return d;
}

/** Visible files (what pandas/DuckDB would list): no hidden or `_` entries, recursively. */
export function visibleFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(".") || name.startsWith("_")) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (name.endsWith(".parquet")) out.push(relative(root, p));
    }
  };
  visit(root);
  return out.sort();
}

/** Reads every visible file with hyparquet, adding Hive partition columns from the directory names. */
export async function readAll(root: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const rel of visibleFiles(root)) {
    const parts: Record<string, string> = {};
    for (const seg of rel.split("/").slice(0, -1)) {
      const i = seg.indexOf("=");
      parts[decodeURIComponent(seg.slice(0, i))] = decodeURIComponent(seg.slice(i + 1));
    }
    const file = await asyncBufferFromFile(join(root, rel));
    // utf8: false keeps un-annotated BYTE_ARRAY (binary) as bytes; UTF8-annotated columns still decode to strings.
    for (const r of await parquetReadObjects({ file, utf8: false })) rows.push({ ...r, ...parts });
  }
  return rows;
}

/** Runs each list of rows as one batch of a query into a fresh parquetSink; returns the sink. */
export async function runBatches<S extends DataType<unknown> & { fields: Fields }>(
  schema: S,
  batches: readonly Infer<S>[][],
  options: Parameters<typeof parquetSink>[0],
) {
  const input = new MemoryStream(schema);
  const sink = parquetSink(options);
  const q = await readStream(input)
    .writeStream.format(sink as never)
    .start(); // the sink takes any row
  for (const b of batches) {
    input.addData(b);
    await q.processAllAvailable();
  }
  await q.stop();
  return sink;
}

/** The query id the sink recorded in its last commit record. */
export function ownerOf(path: string): string {
  const last = Math.max(
    ...readdirSync(join(path, "_skp_metadata"))
      .filter((n) => /^\d+$/.test(n))
      .map(Number),
  );
  return JSON.parse(readFileSync(join(path, "_skp_metadata", String(last)), "utf8")).queryId;
}

/** Every visible row's `ts` in ms, sorted: what a reader sees of rows identified by their event time. */
export const readTimes = async (path: string): Promise<number[]> =>
  (await readAll(path)).map((r) => (r.ts as Date).getTime()).sort((a, b) => a - b);
