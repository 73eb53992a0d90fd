/**
 * Benchmark: the disk state store (LMDB) against the memory store, both checkpointed.
 *
 * 1. Throughput: `groupBy("id").agg(count, sum)` in update mode over GROUPS distinct ids (every group
 *    stays open), batches of 100,000 rows, each group touched ROUNDS times; events/s for both, ratio.
 * 2. Restore: the time to start again on each checkpoint (memory: snapshot + deltas into the heap;
 *    disk: open the database at its version), and the bytes per group on disk.
 * 3. Bigger than the heap (`BIG` groups, child processes with `--max-old-space-size=1024`): the disk
 *    store's peak heap, and whether the memory store survives the same run.
 *
 *   node --import tsx bench/state-store.bench.ts [groups=1000000] [big=10000000]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ReadLimit, Source } from "../src/index.js";
import { count, int, readStream, sum } from "../src/index.js";

const GROUPS = Number(process.argv[2] ?? 1_000_000);
const BIG = Number(process.argv[3] ?? 10_000_000);
const ROUNDS = 3;
const BATCH = 100_000;

/** Row i of a run: each group once a round, in a scattered order; computed, never held (unlike a MemoryStream). */
function generated(groups: number, rounds: number): Source<{ id: number; v: number }, number> {
  return {
    description: `Generated[${groups}x${rounds}]`,
    identity: `Generated[${groups}]`,
    fields: { id: int(), v: int() },
    initialOffset: () => 0,
    latestOffset: (start: number, limit: ReadLimit) => Math.min(groups * rounds, start + (limit.maxRows ?? groups * rounds)),
    getBatch: (start: number, end: number) =>
      Array.from({ length: end - start }, (_, k) => ({ id: ((start + k) * 7_919) % groups, v: Math.floor((start + k) / groups) })),
    commit() {},
    stop() {},
  };
}

async function run(store: "memory" | "disk", groups: number, rounds: number, dir: string, report = false) {
  let peakHeap = 0;
  const q = await readStream(generated(groups, rounds), { maxOffsetsPerTrigger: BATCH })
    .groupBy("id")
    .agg(count().as("n"), sum("v").as("total"))
    .writeStream.outputMode("update")
    .foreachBatch(() => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    })
    .option("checkpointLocation", dir)
    .option("stateStore", store)
    .trigger({ availableNow: true })
    .start();
  const t0 = performance.now();
  await q.awaitTermination();
  const ms = performance.now() - t0;
  const rows = q.lastProgress?.stateOperators[0]?.numRowsTotal ?? 0;
  if (report) console.log(JSON.stringify({ store, groups, rows, ms: Math.round(ms), peakHeapMB: Math.round(peakHeap / 2 ** 20) }));
  return { ms, rows, peakHeap };
}

async function restoreMs(store: "memory" | "disk", dir: string): Promise<number> {
  const t0 = performance.now();
  const q = await readStream(generated(GROUPS, ROUNDS))
    .groupBy("id")
    .agg(count().as("n"), sum("v").as("total"))
    .writeStream.outputMode("update")
    .foreachBatch(() => {})
    .option("checkpointLocation", dir)
    .option("stateStore", store)
    .trigger({ availableNow: true })
    .start();
  const ms = performance.now() - t0;
  await q.awaitTermination();
  return ms;
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}

const child = process.env.STATE_BENCH_CHILD;
if (child) {
  const [store, groups] = child.split(":") as ["memory" | "disk", string];
  const dir = mkdtempSync(join(tmpdir(), "skp-state-big-"));
  try {
    await run(store, Number(groups), 1, dir, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  const results: Record<string, { ms: number; restore: number; bytes: number }> = {};
  for (const store of ["memory", "disk"] as const) {
    const dir = mkdtempSync(join(tmpdir(), `skp-state-${store}-`));
    const { ms, rows } = await run(store, GROUPS, ROUNDS, dir);
    if (rows !== GROUPS) throw new Error(`${store}: ${rows} groups in state, expected ${GROUPS}`);
    results[store] = { ms, restore: await restoreMs(store, dir), bytes: bytesUnder(dir) };
    rmSync(dir, { recursive: true, force: true });
  }
  const m = results.memory!;
  const d = results.disk!;
  const rate = (ms: number) => Math.round((GROUPS * ROUNDS) / (ms / 1000)).toLocaleString("en-US");
  console.log(
    `\n${GROUPS.toLocaleString("en-US")} open groups, ${ROUNDS} rounds, batches of ${BATCH.toLocaleString("en-US")}, node ${process.version}`,
  );
  console.log("| store | events/s | ratio to memory | restart (ms) | checkpoint bytes per group |\n|---|---:|---:|---:|---:|");
  for (const [name, r] of [
    ["memory (checkpointed)", m],
    ["disk (LMDB)", d],
  ] as const) {
    console.log(`| ${name} | ${rate(r.ms)} | ${(m.ms / r.ms).toFixed(2)} | ${Math.round(r.restore)} | ${Math.round(r.bytes / GROUPS)} |`);
  }
  const self = fileURLToPath(import.meta.url);
  for (const store of ["disk", "memory"] as const) {
    try {
      const out = execFileSync(process.execPath, ["--max-old-space-size=1024", "--import", "tsx", self], {
        env: { ...process.env, STATE_BENCH_CHILD: `${store}:${BIG}` },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      console.log(`${BIG.toLocaleString("en-US")} groups, 1 GB heap, ${store}: ${out.trim().split("\n").at(-1)}`);
    } catch (e) {
      const err = e as { status?: number; stderr?: string };
      const oom = /heap out of memory|Allocation failed/.test(err.stderr ?? "");
      console.log(`${BIG.toLocaleString("en-US")} groups, 1 GB heap, ${store}: failed (${oom ? "out of memory" : `exit ${err.status}`})`);
    }
  }
}
