import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Every package's tests: against core's source (so a change in core is tested everywhere without a
 * rebuild), one file at a time (files start brokers and processes; the machine has 2 cores).
 */
export function packageTests() {
  return defineConfig({
    resolve: { alias: { "@skp/core": fileURLToPath(new URL("./packages/core/src/index.ts", import.meta.url)) } },
    test: {
      include: ["test/**/*.test.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      fileParallelism: false,
    },
  });
}
