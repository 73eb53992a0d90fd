/**
 * Benchmark: rows/s through parquetSink (partitioned by id, snappy, exactly-once commit protocol)
 * against raw hyparquet-writer writing the same rows into the same per-batch, per-partition files,
 * in the same run. Also reports the longest event-loop stall while the sink writes.
 *
 *   node --import tsx bench/parquet-sink.bench.ts [rows=500000]
 */
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { parquetSink } from "../src/index.js";
import { BATCH, benchRows, flushFileSystem, IDS, runSink } from "./workload.js";

const ROWS = Number(process.argv[2] ?? 500_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const rows = benchRows(ROWS);

/**
 * The baseline: hyparquet-writer writing each batch's partitions with writeFileSync. `durable`: also
 * fsync each file ("files"), and also each partition directory once per batch, which POSIX needs for
 * the new files' names to survive a crash ("dirs").
 */
function raw(dir: string, durable: false | "files" | "dirs" = false): number {
  flushFileSystem();
  const start = performance.now();
  for (let b = 0; b < ROWS; b += BATCH) {
    const groups = new Map<number, typeof rows>();
    for (let i = b; i < Math.min(ROWS, b + BATCH); i++) {
      const r = rows[i]!;
      let g = groups.get(r.id);
      if (!g) groups.set(r.id, (g = []));
      g.push(r);
    }
    for (const [id, g] of groups) {
      const buf = parquetWriteBuffer({
        columnData: [
          { name: "ts", data: g.map((r) => BigInt(r.ts)), type: "TIMESTAMP" },
          { name: "value", data: g.map((r) => r.value), type: "DOUBLE" },
          { name: "source", data: g.map((r) => r.source), type: "STRING" },
        ],
      });
      mkdirSync(join(dir, `id=${id}`), { recursive: true });
      const file = join(dir, `id=${id}`, `part-${b}.snappy.parquet`);
      writeFileSync(file, new Uint8Array(buf));
      if (durable) fsyncPath(file);
    }
    if (durable === "dirs") for (const id of groups.keys()) fsyncPath(join(dir, `id=${id}`));
  }
  return performance.now() - start;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  fsyncSync(fd);
  closeSync(fd);
}

const skp = (dir: string, encodeThreads?: number) => runSink(parquetSink, rows, dir, encodeThreads);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rawMs: number[] = [],
  syncedMs: number[] = [],
  dirSyncedMs: number[] = [],
  skpMs: number[] = [],
  inlineMs: number[] = [],
  ratios: number[] = [];
let stallMs = 0;
{
  // Warm-up (JIT, file system caches), not measured: the first writer to run is otherwise penalized.
  const w = mkdtempSync(join(tmpdir(), "skp-pq-warm-"));
  raw(join(w, "a"));
  await skp(join(w, "b"));
  await skp(join(w, "c"), 0);
  rmSync(w, { recursive: true, force: true });
}
for (let r = 0; r < ROUNDS; r++) {
  const a = mkdtempSync(join(tmpdir(), "skp-pq-raw-")),
    b = mkdtempSync(join(tmpdir(), "skp-pq-sink-")),
    c = mkdtempSync(join(tmpdir(), "skp-pq-sync-"));
  rawMs.push(raw(a));
  syncedMs.push(raw(c, "files"));
  rmSync(c, { recursive: true, force: true });
  const e = mkdtempSync(join(tmpdir(), "skp-pq-dirsync-"));
  dirSyncedMs.push(raw(e, "dirs"));
  rmSync(e, { recursive: true, force: true });
  const s = await skp(b);
  skpMs.push(s.ms);
  ratios.push(rawMs.at(-1)! / s.ms);
  const d = mkdtempSync(join(tmpdir(), "skp-pq-inline-"));
  inlineMs.push((await skp(d, 0)).ms);
  rmSync(d, { recursive: true, force: true });
  stallMs = Math.max(stallMs, s.maxStallMs);
  rmSync(a, { recursive: true, force: true });
  rmSync(b, { recursive: true, force: true });
  console.log(`round ${r + 1}: hyparquet-writer ${rawMs.at(-1)!.toFixed(0)} ms, skp sink ${s.ms.toFixed(0)} ms`);
}
const rawRate = ROWS / (median(rawMs) / 1000),
  skpRate = ROWS / (median(skpMs) / 1000);
console.log(
  `\n${ROWS.toLocaleString("en-US")} rows, ${BATCH.toLocaleString("en-US")} per batch, ${IDS} partitions, snappy, median of ${ROUNDS}, node ${process.version}`,
);
console.log("| writer | rows/s | ratio |");
console.log("|---|---:|---:|");
console.log(`| raw hyparquet-writer (same files, no commit protocol) | ${Math.round(rawRate).toLocaleString("en-US")} | 1.00 |`);
console.log(
  `| raw hyparquet-writer + fsync of each file | ${Math.round(ROWS / (median(syncedMs) / 1000)).toLocaleString("en-US")} | ${(ROWS / (median(syncedMs) / 1000) / rawRate).toFixed(2)} |`,
);
console.log(
  `| raw hyparquet-writer + fsync of each file and of its directory per batch | ${Math.round(ROWS / (median(dirSyncedMs) / 1000)).toLocaleString("en-US")} | ${(ROWS / (median(dirSyncedMs) / 1000) / rawRate).toFixed(2)} |`,
);
console.log(
  `| skp parquetSink, encoding on the main thread (encodeThreads: 0) | ${Math.round(ROWS / (median(inlineMs) / 1000)).toLocaleString("en-US")} | ${(ROWS / (median(inlineMs) / 1000) / rawRate).toFixed(2)} |`,
);
console.log(
  `| skp parquetSink (default: encoder threads, hidden files, fsync, rename, manifest) | ${Math.round(skpRate).toLocaleString("en-US")} | ${(skpRate / rawRate).toFixed(2)} |`,
);
console.log(`\nmedian of the per-round ratios (skp / raw, each round run back to back): ${median(ratios).toFixed(2)}`);
console.log(`\nlongest event-loop stall while the sink wrote: ${stallMs.toFixed(0)} ms`);
