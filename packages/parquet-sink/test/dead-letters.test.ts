import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { binary, double, int, MemoryStream, readStream, string, struct, timestamp } from "@skp/core";
import { describe, expect, it } from "vitest";
import { parquetSink } from "../src/index.js";
import { tempDir } from "./helpers.js";
import { duckdb, pandasPython } from "./readers.js";

const schema = struct({ id: int(), ts: timestamp(), value: double(), source: string() });
const good = Array.from({ length: 60 }, (_, i) => JSON.stringify({ id: i % 3, ts: "2025-11-06T07:00:00Z", value: i, source: "sim" }));
// The five: bad JSON, null, an array, wrong types, an empty value; plus invalid UTF-8.
const bad = ["{bad json", "null", "[]", '{"id": "seven", "ts": 1, "value": "x", "source": 2}', "", "\uFFFD"].map((t) => Buffer.from(t));
bad.push(Buffer.from([0xff, 0xfe, 0x7b]));

/** The seed's pipeline shape: bytes parsed with no mode given, to a partitioned Parquet dataset. */
async function run(path: string, mode?: "permissive") {
  const input = new MemoryStream(struct({ value: binary() }));
  const q = await readStream(input)
    .parseJson(schema, mode ? { mode } : {})
    .writeStream.format(parquetSink({ path, partitionBy: ["id"], compaction: false }))
    .start();
  input.addData(good.slice(0, 30).map((v) => ({ value: Buffer.from(v) })));
  input.addData(bad.map((value) => ({ value })));
  input.addData(good.slice(30).map((v) => ({ value: Buffer.from(v) })));
  await q.processAllAvailable();
  const malformed = q.recentProgress.reduce((n, p) => n + p.numRowsMalformed, 0);
  await q.stop();
  return malformed;
}

describe("malformed records and a Parquet sink", () => {
  it("never become rows: every reader gets every good row once; the bad ones are in _malformed/, raw", async () => {
    const path = tempDir();
    expect(await run(path)).toBe(bad.length);
    expect(readdirSync(path).sort()).toEqual(["_malformed", "_skp_metadata", "id=0", "id=1", "id=2"]);
    const [count] = await duckdb(
      `select count(*) as n, sum(value) as s from read_parquet('${path}/**/*.parquet', hive_partitioning = true)`,
    );
    expect([Number(count?.n), Number(count?.s)]).toEqual([60, (59 * 60) / 2]);
    const letters = readdirSync(join(path, "_malformed")).flatMap((f) =>
      readFileSync(join(path, "_malformed", f), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    );
    expect(letters.map((l) => Buffer.from(l.raw, "base64"))).toEqual(bad);
    expect(letters.every((l) => l.rawEncoding === "base64" && l.reason.length > 0 && l.batchId === 0)).toBe(true);
  });

  it("pandas (the seed's snippet) and pyarrow's dataset API read the main dataset", async (ctx) => {
    const python = pandasPython();
    if (!python) return ctx.skip();
    const path = tempDir();
    await run(path);
    const script = `
import pandas as pd, pyarrow.dataset as ds, json, sys
df = pd.read_parquet(sys.argv[1])
t = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_table()
print("RESULT " + json.dumps([len(df), int(df["id"].isna().sum()), t.num_rows]))
`;
    const out = execFileSync(python, ["-c", script, path], { encoding: "utf8" });
    expect(
      JSON.parse(
        out
          .split("\n")
          .find((l) => l.startsWith("RESULT "))!
          .slice(7),
      ),
    ).toEqual([60, 0, 60]);
  }, 600_000);

  it("an explicit mode permissive keeps Spark's rows of nulls, in __HIVE_DEFAULT_PARTITION__ (DuckDB reads them as null)", async () => {
    const path = tempDir();
    await run(path, "permissive");
    expect(readdirSync(path)).toContain("id=__HIVE_DEFAULT_PARTITION__");
    expect(readdirSync(path)).not.toContain("_malformed");
    const [nulls] = await duckdb(
      `select count(*) as n from read_parquet('${path}/**/*.parquet', hive_partitioning = true) where id is null`,
    );
    expect(Number(nulls?.n)).toBe(bad.length);
  });
});
