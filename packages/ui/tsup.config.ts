import { packageBuild } from "../../tsup.shared.js";

export default packageBuild({ entry: ["src/index.ts"], external: ["@skp/core", "prom-client", "uplot"], shims: true });
