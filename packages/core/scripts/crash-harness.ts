/**
 * Crash harness: kills a checkpointed query with SIGKILL at random moments, restarts it, many times,
 * then compares everything the sink committed with an uninterrupted run: there must be zero duplicate
 * and zero missing rows.
 *
 *   node --import tsx scripts/crash-harness.ts [kills=100] [rows=20000] [window|join|dedup]
 *
 * `runHarness` is reusable with any child script (the Kafka source's tests use their own).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export interface HarnessOptions {
  /** SIGKILLs to deliver. */
  kills: number;
  /** The child script: runs a checkpointed query in `<workDir>` (argv[2]), prints "ready" once started,
   *  writes one file per committed batch under `<workDir>/out`, and `<workDir>/DONE` when finished. */
  child: string;
  /** Extra arguments after the work directory. */
  args: string[];
  /** Reads what the child committed, as named JSON arrays of rows. Default: `<workDir>/out/batch-*` files. */
  readOutput?: (workDir: string) => Map<string, string> | Promise<Map<string, string>>;
  /** Longest kill delay after "ready", ms. Default 150. */
  maxKillDelayMs?: number;
  log?: (line: string) => void;
}

export interface HarnessResult {
  kills: number;
  restarts: number;
  /** Runs that reached the end (one, unless a run finished before all kills were spent). */
  completedRuns: number;
  expectedRows: number;
  committedRows: number;
  duplicates: number;
  missing: number;
  unexpected: number;
  batchesCompared: number;
  batchesDiffering: number;
  seconds: number;
}

/** Runs the child once; kills it after `killAfterMs` (from spawn, or from "ready" when `afterReady`). */
function runChild(o: HarnessOptions, workDir: string, kill?: { ms: number; afterReady: boolean }): Promise<"done" | "killed"> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", o.child, workDir, ...o.args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (kill) timer = setTimeout(() => child.kill("SIGKILL"), kill.ms);
    };
    if (kill && !kill.afterReady) arm();
    child.stdout.on("data", (d: Buffer) => {
      if (kill?.afterReady && d.toString().includes("ready") && !timer) arm();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve("killed");
      else if (code === 0 && existsSync(join(workDir, "DONE"))) resolve("done");
      else reject(new Error(`child exited with ${code ?? signal}: ${stderr.slice(-2_000)}`));
    });
  });
}

function readBatchFiles(workDir: string): Map<string, string> {
  const dir = join(workDir, "out");
  const batches = new Map<string, string>();
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    if (f.startsWith("batch-")) batches.set(f, readFileSync(join(dir, f), "utf8"));
  }
  return batches;
}

export async function runHarness(o: HarnessOptions): Promise<HarnessResult> {
  const { kills, maxKillDelayMs = 150, log = () => {}, readOutput = readBatchFiles } = o;
  const t0 = Date.now();
  const base = mkdtempSync(join(tmpdir(), "skp-crash-"));
  try {
    const reference = join(base, "reference");
    await runChild(o, reference);
    const expected = await readOutput(reference);

    const work = join(base, "crashed");
    let killed = 0,
      restarts = 0;
    const runs: ReturnType<typeof compare>[] = [];
    let seed = 12_345;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (;;) {
      const wantKill = killed < kills;
      // Mostly mid-run (0–150 ms after the query started), sometimes during start-up or recovery itself.
      const kill = wantKill
        ? rand() < 0.8
          ? { ms: Math.floor(rand() * maxKillDelayMs), afterReady: true }
          : { ms: 50 + Math.floor(rand() * 400), afterReady: false }
        : undefined;
      const outcome = await runChild(o, work, kill);
      restarts++;
      if (outcome === "killed") {
        // Each run gets killed or finishes; either way the next start recovers from the checkpoint.
        killed++;
        if (killed % 10 === 0) log(`${killed} kills`);
        continue;
      }
      // Finished before all kills were spent: check this run, then start over in a fresh directory.
      runs.push(compare(expected, await readOutput(work)));
      if (!wantKill || killed >= kills) break;
      rmSync(work, { recursive: true });
    }
    // Every completed run counts: a defect in any of them shows in the totals.
    const total = runs.reduce((a, r) => ({
      expectedRows: a.expectedRows + r.expectedRows,
      committedRows: a.committedRows + r.committedRows,
      duplicates: a.duplicates + r.duplicates,
      missing: a.missing + r.missing,
      unexpected: a.unexpected + r.unexpected,
      batchesCompared: a.batchesCompared + r.batchesCompared,
      batchesDiffering: a.batchesDiffering + r.batchesDiffering,
    }));
    return { kills: killed, restarts, completedRuns: runs.length, ...total, seconds: (Date.now() - t0) / 1000 };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function compare(expected: Map<string, string>, actual: Map<string, string>) {
  const count = (m: Map<string, string>) => {
    const rows = new Map<string, number>();
    for (const text of m.values())
      for (const r of JSON.parse(text)) {
        const k = JSON.stringify(r);
        rows.set(k, (rows.get(k) ?? 0) + 1);
      }
    return rows;
  };
  const want = count(expected),
    got = count(actual);
  let duplicates = 0,
    missing = 0,
    unexpected = 0,
    expectedRows = 0,
    committedRows = 0;
  for (const [k, n] of want) {
    expectedRows += n;
    const g = got.get(k) ?? 0;
    if (g < n) missing += n - g;
    if (g > n) duplicates += g - n;
  }
  for (const [k, n] of got) {
    committedRows += n;
    if (!want.has(k)) unexpected += n;
  }
  let batchesDiffering = 0;
  for (const [f, text] of expected) if (actual.get(f) !== text) batchesDiffering++;
  for (const f of actual.keys()) if (!expected.has(f)) batchesDiffering++;
  return { expectedRows, committedRows, duplicates, missing, unexpected, batchesCompared: expected.size, batchesDiffering };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const kills = Number(process.argv[2] ?? 100);
  const rows = Number(process.argv[3] ?? 20_000);
  const kind = process.argv[4] ?? "window";
  const r = await runHarness({ kills, child: join(here, "crash-child.ts"), args: [String(rows), kind], log: (s) => console.log(s) });
  console.log(JSON.stringify(r, null, 2));
  if (r.duplicates || r.missing || r.unexpected || r.batchesDiffering) process.exit(1);
}
