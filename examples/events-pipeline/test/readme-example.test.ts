import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

it("the root README's example runs as printed", () => {
  const readme = readFileSync(join(import.meta.dirname, "../../../README.md"), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  // Written beside this package so `@skp/core` resolves as it would in a user's project.
  const file = join(import.meta.dirname, "../.readme-example.mts");
  writeFileSync(file, code);
  try {
    const out = execFileSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", timeout: 60_000 });
    expect(out).toContain("Batch: 0");
    expect(out).toMatch(/\|\{\d{4}-\d\d-\d\d \d\d:\d\d\.\.\.\|\s+1\|\s+42\.5\|/);
    expect(out).toContain("1970-01-01T00:00:00.000Z");
  } finally {
    rmSync(file, { force: true });
  }
});
