/**
 * A/B of the sink against an earlier revision of itself, in one process: this machine's throughput
 * swings far more between runs than most changes move it, so the two versions run in interleaved
 * pairs (order alternating, `sync` before each run) and the median of the pairwise speedups is the
 * figure. The revision's `src/` is extracted next to this package (so it resolves the same
 * dependencies) and removed afterwards.
 *
 *   node --import tsx bench/ab.ts [revision=HEAD~1] [pairs=12]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parquetSink as current } from "../src/index.js";
import { BATCH, benchRows, runSink } from "./workload.js";

const [revision = "HEAD~1", pairsArg = "12"] = process.argv.slice(2);
const PAIRS = Number(pairsArg);
const ROWS = 500_000;
const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), "..");
const git = (...args: string[]) => execFileSync("git", args, { cwd: PACKAGE, encoding: "utf8" });

const earlierDir = join(PACKAGE, `.ab-${git("rev-parse", "--short", revision).trim()}`);
rmSync(earlierDir, { recursive: true, force: true });
for (const file of git("ls-tree", "-r", "--name-only", revision, "src/").split("\n").filter(Boolean)) {
  mkdirSync(join(earlierDir, dirname(file)), { recursive: true });
  writeFileSync(join(earlierDir, file), git("show", `${revision}:./${file}`));
}
const earlier = ((await import(join(earlierDir, "src", "index.ts"))) as { parquetSink: typeof current }).parquetSink;

const rows = benchRows(ROWS);

async function once(sink: typeof current): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "skp-pq-ab-"));
  try {
    return (await runSink(sink, rows, dir)).ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  await once(current); // warm-up: JIT and file system caches
  await once(earlier);
  const now: number[] = [],
    before: number[] = [],
    speedups: number[] = [];
  for (let p = 0; p < PAIRS; p++) {
    let a: number, b: number;
    if (p % 2 === 0) {
      a = await once(current);
      b = await once(earlier);
    } else {
      b = await once(earlier);
      a = await once(current);
    }
    now.push(a);
    before.push(b);
    speedups.push(b / a);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(
    `${PAIRS} interleaved pairs, ${ROWS.toLocaleString("en-US")} rows in batches of ${BATCH.toLocaleString("en-US")}, node ${process.version}`,
  );
  console.log(`working tree: median ${median(now).toFixed(0)} ms; ${revision}: median ${median(before).toFixed(0)} ms`);
  console.log(`median pairwise speedup of the working tree over ${revision}: ${median(speedups).toFixed(2)}`);
} finally {
  rmSync(earlierDir, { recursive: true, force: true });
}
