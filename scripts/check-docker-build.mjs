// The example's Docker image without a Docker engine (none runs here): copies the build context as
// Docker would (the repository minus `.dockerignore`), checks that no node_modules, data or build
// output went in, and runs the Dockerfile's build steps there — `pnpm install --frozen-lockfile &&
// pnpm build` on a clean copy, with none of the workspace's installed state.
//
//   node scripts/check-docker-build.mjs
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";

const root = join(import.meta.dirname, "..");
const patterns = readFileSync(join(root, ".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
/** Docker's matching for the patterns this repository uses: `**\/name` (anywhere) and `a/b` (from the root). */
const ignored = (rel) =>
  patterns.some((p) => (p.startsWith("**/") ? rel.split(sep).includes(p.slice(3)) : rel === p || rel.startsWith(`${p}/`)));

const context = mkdtempSync(join(tmpdir(), "skp-docker-context-"));
try {
  cpSync(root, context, { recursive: true, filter: (src) => src === root || !ignored(relative(root, src)) });
  const walk = (dir) =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? [relative(context, p), ...walk(p)] : [];
    });
  const leaked = walk(context).filter((d) => /(^|\/)(node_modules|dist|data|\.venv|\.git)$/.test(d) || d === "tools/mock-kafka/build");
  if (leaked.length > 0) throw new Error(`.dockerignore lets these into the build context: ${leaked.join(", ")}`);
  const dockerfile = readFileSync(join(root, "examples/events-pipeline/Dockerfile"), "utf8");
  if (!dockerfile.includes("RUN pnpm install --frozen-lockfile && pnpm build")) throw new Error("the Dockerfile's build step changed: update this check");
  execFileSync("bash", ["-c", "pnpm install --frozen-lockfile --silent && pnpm build >/dev/null"], { cwd: context, stdio: "inherit" });
  for (const p of ["core", "kafka-source", "kafka-sink", "parquet-sink", "ui"]) {
    if (!existsSync(join(context, "packages", p, "dist", "index.js"))) throw new Error(`packages/${p} was not built`);
  }
  console.log("docker build context OK: no node_modules, data or build output in it; install and build pass on the clean copy");
} finally {
  rmSync(context, { recursive: true, force: true });
}
