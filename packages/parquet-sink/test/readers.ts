import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

/** Rows of a DuckDB query, as JSON values. */
export async function duckdb(sql: string) {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const r = await c.runAndReadAll(sql);
  return r.getRowObjectsJson();
}

/**
 * A Python with pandas and pyarrow: a virtualenv under tools/.venv, installed from the machine's
 * local package index (pip's default index is unreachable here). Undefined when that is impossible.
 */
export function pandasPython(): string | undefined {
  const venv = join(import.meta.dirname, "../../../tools/.venv");
  const python = join(venv, "bin", "python");
  const ok = () => spawnSync(python, ["-c", "import pandas, pyarrow"]).status === 0;
  if (existsSync(python) && ok()) return python;
  const config = spawnSync("pip", ["config", "list"], { encoding: "utf8" }).stdout ?? "";
  const index = /extra-index-url='([^' ]+)/.exec(config)?.[1] ?? /index-url='([^' ]+)/.exec(config)?.[1];
  if (!index) return undefined;
  if (spawnSync("python3", ["-m", "venv", venv]).status !== 0) return undefined;
  const pip = spawnSync(python, ["-m", "pip", "install", "-q", "--index-url", index, "pandas", "pyarrow"], {
    encoding: "utf8",
    timeout: 480_000,
  });
  return pip.status === 0 && ok() ? python : undefined;
}
