import { packageBuild } from "../../tsup.shared.js";

export default packageBuild({
  entry: ["src/index.ts", "src/encode-worker.js"],
  external: ["@skp/core", "hyparquet", "hyparquet-writer"],
  shims: true,
});
