import type { Options } from "tsup";
import { defineConfig } from "tsup";

/**
 * Every package's build: ESM and CommonJS with types and source maps, for Node 20+; a package names
 * its entries, what it leaves to its dependencies, and `shims` when it finds files beside its build
 * through `import.meta.url` (the CommonJS build needs the shim).
 */
export function packageBuild(options: Pick<Options, "entry" | "external" | "shims">) {
  return defineConfig({ format: ["esm", "cjs"], dts: true, sourcemap: true, clean: true, target: "node20", ...options });
}
