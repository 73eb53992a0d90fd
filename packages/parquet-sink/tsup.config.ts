import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  shims: true, // import.meta.url in the CommonJS build (the encoder threads resolve hyparquet-writer from it)
  external: ["@skp/core", "hyparquet", "hyparquet-writer"],
});
