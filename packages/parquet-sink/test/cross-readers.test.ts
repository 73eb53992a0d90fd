import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { double, int, long, MemoryStream, readStream, string, struct, timestamp } from "@skp/core";
import { describe, expect, it } from "vitest";
import { parquetSink } from "../src/index.js";
import { tempDir } from "./helpers.js";
import { duckdb, pandasPython } from "./readers.js";

const schema = struct({ id: int(), ts: timestamp(), value: double(), seq: long(), source: string().nullable() });
const T0 = Date.UTC(2025, 10, 6, 7, 0, 0);
const rows = Array.from({ length: 500 }, (_, i) => ({
  id: i % 5,
  ts: T0 + i * 200,
  value: ((i * 37) % 101) + 0.25,
  seq: i,
  source: i % 7 === 0 ? null : "sim-producer",
}));

/** The seed pipeline's output: raw events, partitioned by id, written over several batches. */
async function writeEvents(path: string) {
  const input = new MemoryStream(schema);
  const q = await readStream(input)
    .writeStream.format(parquetSink({ path, partitionBy: ["id"], compaction: false }))
    .start();
  for (let b = 0; b < 5; b++) {
    input.addData(rows.slice(b * 100, b * 100 + 100));
    await q.processAllAvailable();
  }
  await q.stop();
}

describe("readers no one here wrote", () => {
  it("DuckDB read_parquet(hive_partitioning = true) returns exactly the rows written", async () => {
    const path = tempDir();
    await writeEvents(path);
    const got = await duckdb(`
      select id, epoch_ms(ts) as ts, value, seq, source
      from read_parquet('${path}/**/*.parquet', hive_partitioning = true) order by seq`);
    expect(got.map((r) => ({ id: Number(r.id), ts: Number(r.ts), value: Number(r.value), seq: Number(r.seq), source: r.source }))).toEqual(
      rows,
    );
    const types = await duckdb(`describe select * from read_parquet('${path}/**/*.parquet', hive_partitioning = true)`);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toMatchObject({
      ts: "TIMESTAMP WITH TIME ZONE",
      value: "DOUBLE",
      seq: "BIGINT",
      source: "VARCHAR",
    });
  });

  it("pandas + pyarrow: the seed's validation snippet works on our output", async (ctx) => {
    const python = pandasPython();
    if (!python) {
      console.warn("pandas/pyarrow cannot be installed here (no local package index): skipping; DuckDB covers cross-reading");
      ctx.skip();
      return;
    }
    const path = tempDir();
    await writeEvents(path);
    const script = `
import pandas as pd, json, sys
df = pd.read_parquet(sys.argv[1])
print(df.head())
df.to_csv(sys.argv[2], index=False)
print("RESULT " + json.dumps({"rows": len(df), "ids": sorted(int(x) for x in df["id"].unique()),
  "sum": float(df["value"].sum()), "tz": str(df["ts"].dt.tz), "first_ts": int(df.sort_values("seq")["ts"].iloc[0].value // 1000000),
  "nulls": int(df["source"].isna().sum())}))
`;
    const out = execFileSync(python, ["-c", script, path, join(tempDir(), "validation_output.csv")], { encoding: "utf8" });
    const result = JSON.parse(
      out
        .split("\n")
        .find((l) => l.startsWith("RESULT "))!
        .slice(7),
    );
    expect(result).toEqual({
      rows: 500,
      ids: [0, 1, 2, 3, 4],
      sum: rows.reduce((s, r) => s + r.value, 0),
      tz: "UTC",
      first_ts: T0,
      nulls: rows.filter((r) => r.source === null).length,
    });
  }, 600_000);
});
