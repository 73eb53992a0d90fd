export type { PartitionRow } from "./partitions.js";
export type { UiOptions, UiServer } from "./serve-ui.js";
export { serveUi } from "./serve-ui.js";
