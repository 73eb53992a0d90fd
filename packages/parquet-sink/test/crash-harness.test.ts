import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { runHarness } from "../../core/scripts/crash-harness.js";

/** Every row any reader would see: DuckDB over the visible files, hive partitioning on. */
async function duckdbRows(workDir: string): Promise<Map<string, string>> {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const r = await c.runAndReadAll(
    `select seq, id, epoch_ms(ts) as ts, value from read_parquet('${join(workDir, "out")}/**/*.parquet', hive_partitioning = true) order by seq, id`,
  );
  const rows = r.getRowObjectsJson().map((x) => ({ seq: Number(x.seq), id: Number(x.id), ts: Number(x.ts), value: Number(x.value) }));
  return new Map([["rows", JSON.stringify(rows)]]);
}

describe("crash harness with the Parquet sink", () => {
  it("kill -9 at random moments: DuckDB counts every row exactly once", async () => {
    const child = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
    const r = await runHarness({ kills: 10, child, args: ["2000"], readOutput: duckdbRows, maxKillDelayMs: 300 });
    expect(r.kills).toBe(10);
    expect(r.expectedRows).toBe(2_000 * r.completedRuns);
    expect({ duplicates: r.duplicates, missing: r.missing, unexpected: r.unexpected }).toEqual({
      duplicates: 0,
      missing: 0,
      unexpected: 0,
    });
  }, 300_000);
});
