export type { CompactionOptions, CompactionSummary } from "./compaction.js";
export { parquetErrors } from "./errors.js";
export type { FileEntry } from "./manifest.js";
export { committedFiles, METADATA_DIR } from "./manifest.js";
export type { ParquetSink, ParquetSinkOptions } from "./parquet-sink.js";
export { parquetSink } from "./parquet-sink.js";
export { DEFAULT_PARTITION_NAME, escapePathName, unescapePathName } from "./partition-path.js";
