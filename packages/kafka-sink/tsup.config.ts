import { packageBuild } from "../../tsup.shared.js";

export default packageBuild({ entry: ["src/index.ts"], external: ["rxjs", "@skp/core", "kafkajs"] });
