/**
 * Every error skp raises on purpose comes from a factory in this file, so messages stay consistent:
 * each names the column, option or value at fault and says what to do about it.
 */
export class SkpError<Code extends string = string> extends Error {
  override readonly name = "SkpError";
  constructor(
    /** Stable machine-readable code, e.g. `UNKNOWN_COLUMN`; plug-ins prefix theirs (`KAFKA_`, `PARQUET_`). */
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The codes of the errors `@skp/core` raises. */
export type CoreErrorCode =
  | "AFTER_AGGREGATION"
  | "BAD_DURATION"
  | "BAD_OPTION"
  | "BAD_OUTPUT_MODE"
  | "BAD_ROW"
  | "BAD_TRIGGER"
  | "CHECKPOINT_IN_USE"
  | "CORRUPT_CHECKPOINT"
  | "DUPLICATE_COLUMN"
  | "INCOMPATIBLE_CHECKPOINT"
  | "MALFORMED_RECORD"
  | "MULTIPLE_AGGREGATIONS"
  | "NEGATIVE_DURATION"
  | "NON_POSITIVE_DURATION"
  | "NO_SINK"
  | "OPERATOR_FAILED"
  | "QUERY_FAILED"
  | "SINK_FAILED"
  | "SOURCE_FAILED"
  | "UNKNOWN_COLUMN"
  | "UNPLANNED_SHARD"
  | "UNSUPPORTED_OUTPUT_MODE"
  | "WRONG_COLUMN_TYPE"
  | "TRANSFORM_CONTRACT"
  | "PIPELINE_CONTRACT";

/** The message of anything thrown: an Error's `message`, otherwise its string form. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The constructor of a package's errors, typed by its code union: `errorOf<KafkaErrorCode>()`.
 *
 * @example const error = errorOf<"MY_BAD_OPTION">(); throw error("MY_BAD_OPTION", "...");
 */
export function errorOf<Code extends string>() {
  return (code: Code, message: string, options?: { cause?: unknown }) => new SkpError<Code>(code, message, options);
}

const error = errorOf<CoreErrorCode>();

const list = (names: readonly string[]) => names.map((n) => `"${n}"`).join(", ");

export const errors = {
  badDuration: (input: unknown, what: string) =>
    error(
      "BAD_DURATION",
      `Invalid duration ${JSON.stringify(input)} for ${what}: use a number of milliseconds or a string like "10 seconds", "1 minute", "500 milliseconds".`,
    ),
  negativeDuration: (input: unknown, what: string) =>
    error("NEGATIVE_DURATION", `${what} must not be negative, got ${JSON.stringify(input)}.`),
  nonPositiveDuration: (input: unknown, what: string) =>
    error("NON_POSITIVE_DURATION", `${what} must be greater than zero, got ${JSON.stringify(input)}.`),
  unknownColumn: (column: string, where: string, available: readonly string[]) =>
    error("UNKNOWN_COLUMN", `Column "${column}" used in ${where} does not exist; available columns: ${list(available)}.`),
  wrongColumnType: (column: string, where: string, expected: string, actual: string) =>
    error("WRONG_COLUMN_TYPE", `Column "${column}" used in ${where} has type ${actual}, but ${expected} is required.`),
  duplicateColumn: (column: string, where: string) =>
    error("DUPLICATE_COLUMN", `Column "${column}" appears twice in ${where}; give one of them another name with .as(...).`),
  outputMode: (mode: string, reason: string) =>
    error("UNSUPPORTED_OUTPUT_MODE", `Output mode "${mode}" is not supported for this query: ${reason}`),
  badOutputMode: (mode: unknown) =>
    error("BAD_OUTPUT_MODE", `Unknown output mode ${JSON.stringify(mode)}: use "append", "update" or "complete".`),
  badTrigger: (trigger: unknown) =>
    error(
      "BAD_TRIGGER",
      `Unknown trigger ${JSON.stringify(trigger)}: use { processingTime: "1 second" }, { once: true } or { availableNow: true }.`,
    ),
  badOption: (option: string, value: unknown, expected: string) =>
    error("BAD_OPTION", `Option "${option}" has invalid value ${JSON.stringify(value)}: expected ${expected}.`),
  noSink: () =>
    error("NO_SINK", "writeStream has no sink: call .format(memorySink()) (or consoleSink(), foreachBatch(fn), ...) before .start()."),
  multipleAggregations: () =>
    error(
      "MULTIPLE_AGGREGATIONS",
      "Only one streaming aggregation per query is supported (as in Spark's default); aggregate once, or split the query.",
    ),
  afterAggregation: (verb: string) =>
    error("AFTER_AGGREGATION", `${verb} after an aggregation is not supported in a streaming query; apply it before groupBy(...).`),
  badSchemaRow: (column: string, value: unknown, type: string) =>
    error("BAD_ROW", `Value ${safeShow(value)} for column "${column}" does not match its type ${type}.`),
  malformedFailFast: (reason: string) =>
    error(
      "MALFORMED_RECORD",
      `Malformed record in parseJson (mode "failFast"): ${reason}. Use mode "permissive", "dropMalformed" or "quarantine" to keep the query running.`,
    ),
  queryFailed: (cause: unknown) => error("QUERY_FAILED", `Streaming query failed: ${errorMessage(cause)}`, { cause }),
  operatorFailed: (operator: string, batchId: number, cause: unknown) =>
    error("OPERATOR_FAILED", `Operator ${operator} failed in batch ${batchId}: ${errorMessage(cause)}`, { cause }),
  sourceFailed: (source: string, phase: string, cause: unknown) =>
    error("SOURCE_FAILED", `Source ${source} failed during ${phase}: ${errorMessage(cause)}`, { cause }),
  checkpointLocked: (dir: string, pid: number, owner: string) =>
    error(
      "CHECKPOINT_IN_USE",
      `Checkpoint directory ${dir} is in use by ${owner}${pid > 0 ? ` (pid ${pid})` : ""}; two running queries must not share a checkpoint. Stop the other query, or use another checkpointLocation.`,
    ),
  corruptCheckpoint: (file: string, problem: string) =>
    error(
      "CORRUPT_CHECKPOINT",
      `Checkpoint file ${file} cannot be read: ${problem}. skp will not silently start over; restore the file from a backup, or start the query with a new checkpointLocation.`,
    ),
  incompatibleCheckpoint: (dir: string, what: string, before: unknown, now: unknown) =>
    error(
      "INCOMPATIBLE_CHECKPOINT",
      `Checkpoint ${dir} belongs to a different query: ${what} changed from ${JSON.stringify(before)} to ${JSON.stringify(now)}. ` +
        "Its state and offsets would not mean the same thing; use a new checkpointLocation for the changed query.",
    ),
  transformContract: (name: string, problem: string) =>
    error(
      "TRANSFORM_CONTRACT",
      `transform "${name}" ${problem}. A transform must emit exactly one batch for each batch it receives, in order.`,
    ),
  pipelineContract: (problem: string) =>
    error("PIPELINE_CONTRACT", `The query's operator pipeline ${problem}; it must emit exactly one batch per input batch.`),
  unplannedShard: (shard: number, batchId: number) =>
    error(
      "UNPLANNED_SHARD",
      `Batch ${batchId} holds rows of shard ${shard}, which the source did not plan into it; the source's sharding is inconsistent (a bug in the source).`,
    ),
  sinkFailed: (sink: string, batchId: number, cause: unknown) =>
    error("SINK_FAILED", `Sink ${sink} failed to add batch ${batchId}: ${errorMessage(cause)}`, { cause }),
};

function safeShow(value: unknown): string {
  try {
    const s = typeof value === "bigint" ? `${value}n` : JSON.stringify(value);
    return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}
