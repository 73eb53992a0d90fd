import { errorMessage, errorOf } from "@skp/core";

const error = errorOf<ParquetErrorCode>();

/** The codes of the errors this package raises. */
export type ParquetErrorCode =
  | "PARQUET_BAD_OPTION"
  | "PARQUET_CORRUPT_METADATA"
  | "PARQUET_OUTPUT_MODE"
  | "PARQUET_PATH_IN_USE"
  | "PARQUET_WRITE_FAILED";

/** Errors of the Parquet sink, each naming the path, column or option at fault and what to do. */
export const parquetErrors = {
  badOption: (option: string, value: unknown, expected: string) =>
    error("PARQUET_BAD_OPTION", `parquetSink option "${option}" has invalid value ${JSON.stringify(value)}: expected ${expected}.`),
  unknownPartitionColumn: (column: string, available: readonly string[]) =>
    error(
      "PARQUET_BAD_OPTION",
      `partitionBy column "${column}" is not in the query output; available columns: ${available.map((c) => `"${c}"`).join(", ")}.`,
    ),
  onlyAppend: (mode: string) =>
    error(
      "PARQUET_OUTPUT_MODE",
      `The Parquet sink supports output mode "append" only (as Spark's file sink), not "${mode}": files are never rewritten.`,
    ),
  writeFailed: (path: string, batchId: number, cause: unknown) =>
    error(
      "PARQUET_WRITE_FAILED",
      `Writing batch ${batchId} under ${path} failed: ${errorMessage(cause)}. Nothing of the batch is visible; it is retried when the query restarts.`,
      { cause },
    ),
  moveFailed: (path: string, batchId: number, cause: unknown) =>
    error(
      "PARQUET_WRITE_FAILED",
      `Batch ${batchId} under ${path} is committed, but moving its files into place failed: ${errorMessage(cause)}. ` +
        "They stay in _skp_metadata/ and are moved into place when the sink restarts (readers see them then, once).",
      { cause },
    ),
  otherQuery: (path: string, owner: string, queryId: string) =>
    error(
      "PARQUET_PATH_IN_USE",
      `${path} already holds the output of query ${owner}, not of this query (${queryId}): its batch ids would collide and new batches be skipped. ` +
        "Write to a new path, or restart the original query from its checkpoint.",
    ),
  corruptMetadata: (file: string, problem: string) =>
    error("PARQUET_CORRUPT_METADATA", `Sink metadata file ${file} cannot be read: ${problem}. Restore it or write to a new path.`),
};
