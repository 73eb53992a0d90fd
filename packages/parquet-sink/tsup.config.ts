import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/encode-worker.js"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  shims: true, // import.meta.url in the CommonJS build (the pool finds encode-worker.js beside it)
  external: ["@skp/core", "hyparquet", "hyparquet-writer"],
});
