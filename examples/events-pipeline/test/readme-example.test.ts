import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

it("every package README's example compiles (tsc --strict, as a user's project would)", () => {
  const packages = join(import.meta.dirname, "../../../packages");
  const files: string[] = [];
  for (const pkg of readdirSync(packages)) {
    const readme = readFileSync(join(packages, pkg, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length, `${pkg}/README.md has a TypeScript example`).toBeGreaterThan(0);
    blocks.forEach((code, i) => {
      // Written beside this package so every @skp package resolves as in a user's project.
      const file = join(import.meta.dirname, `../.readme-${pkg}-${i}.mts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      files.push(file);
    });
  }
  const config = join(import.meta.dirname, "../.readme-tsconfig.json");
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        types: ["node"],
        skipLibCheck: true,
      },
      files,
    }),
  );
  try {
    const tsc = join(import.meta.dirname, "../node_modules/typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", config], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  } finally {
    for (const f of [...files, config]) rmSync(f, { force: true });
  }
}, 120_000);
