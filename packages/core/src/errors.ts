/**
 * Every error skp raises on purpose comes from a factory in this file, so messages stay consistent:
 * each names the column, option or value at fault and says what to do about it.
 */
export class SkpError extends Error {
  override readonly name = "SkpError";
  constructor(
    /** Stable machine-readable code, e.g. `UNKNOWN_COLUMN`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const list = (names: readonly string[]) => names.map((n) => `"${n}"`).join(", ");

export const errors = {
  badDuration: (input: unknown, what: string) =>
    new SkpError(
      "BAD_DURATION",
      `Invalid duration ${JSON.stringify(input)} for ${what}: use a number of milliseconds or a string like "10 seconds", "1 minute", "500 milliseconds".`,
    ),
  negativeDuration: (input: unknown, what: string) =>
    new SkpError("NEGATIVE_DURATION", `${what} must not be negative, got ${JSON.stringify(input)}.`),
  nonPositiveDuration: (input: unknown, what: string) =>
    new SkpError("NON_POSITIVE_DURATION", `${what} must be greater than zero, got ${JSON.stringify(input)}.`),
  unknownColumn: (column: string, where: string, available: readonly string[]) =>
    new SkpError(
      "UNKNOWN_COLUMN",
      `Column "${column}" used in ${where} does not exist; available columns: ${list(available)}.`,
    ),
  wrongColumnType: (column: string, where: string, expected: string, actual: string) =>
    new SkpError(
      "WRONG_COLUMN_TYPE",
      `Column "${column}" used in ${where} has type ${actual}, but ${expected} is required.`,
    ),
  duplicateColumn: (column: string, where: string) =>
    new SkpError("DUPLICATE_COLUMN", `Column "${column}" appears twice in ${where}; give one of them another name with .as(...).`),
  outputMode: (mode: string, reason: string) =>
    new SkpError("UNSUPPORTED_OUTPUT_MODE", `Output mode "${mode}" is not supported for this query: ${reason}`),
  badOutputMode: (mode: unknown) =>
    new SkpError("BAD_OUTPUT_MODE", `Unknown output mode ${JSON.stringify(mode)}: use "append", "update" or "complete".`),
  badTrigger: (trigger: unknown) =>
    new SkpError(
      "BAD_TRIGGER",
      `Unknown trigger ${JSON.stringify(trigger)}: use { processingTime: "1 second" }, { once: true } or { availableNow: true }.`,
    ),
  badOption: (option: string, value: unknown, expected: string) =>
    new SkpError("BAD_OPTION", `Option "${option}" has invalid value ${JSON.stringify(value)}: expected ${expected}.`),
  noSink: () =>
    new SkpError("NO_SINK", "writeStream has no sink: call .format(memorySink()) (or consoleSink(), foreachBatch(fn), ...) before .start()."),
  multipleAggregations: () =>
    new SkpError("MULTIPLE_AGGREGATIONS", "Only one streaming aggregation per query is supported (as in Spark's default); aggregate once, or split the query."),
  afterAggregation: (verb: string) =>
    new SkpError("AFTER_AGGREGATION", `${verb} after an aggregation is not supported in a streaming query; apply it before groupBy(...).`),
  badSchemaRow: (column: string, value: unknown, type: string) =>
    new SkpError("BAD_ROW", `Value ${safeShow(value)} for column "${column}" does not match its type ${type}.`),
  malformedFailFast: (reason: string) =>
    new SkpError("MALFORMED_RECORD", `Malformed record in parseJson (mode "failFast"): ${reason}. Use mode "permissive", "dropMalformed" or "quarantine" to keep the query running.`),
  queryFailed: (cause: unknown) =>
    new SkpError("QUERY_FAILED", `Streaming query failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }),
  operatorFailed: (operator: string, batchId: number, cause: unknown) =>
    new SkpError(
      "OPERATOR_FAILED",
      `Operator ${operator} failed in batch ${batchId}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    ),
  sourceFailed: (source: string, phase: string, cause: unknown) =>
    new SkpError(
      "SOURCE_FAILED",
      `Source ${source} failed during ${phase}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    ),
  checkpointLocked: (dir: string, pid: number, owner: string) =>
    new SkpError(
      "CHECKPOINT_IN_USE",
      `Checkpoint directory ${dir} is in use by ${owner}${pid > 0 ? ` (pid ${pid})` : ""}; two running queries must not share a checkpoint. Stop the other query, or use another checkpointLocation.`,
    ),
  corruptCheckpoint: (file: string, problem: string) =>
    new SkpError(
      "CORRUPT_CHECKPOINT",
      `Checkpoint file ${file} cannot be read: ${problem}. skp will not silently start over; restore the file from a backup, or start the query with a new checkpointLocation.`,
    ),
  incompatibleCheckpoint: (dir: string, what: string, before: unknown, now: unknown) =>
    new SkpError(
      "INCOMPATIBLE_CHECKPOINT",
      `Checkpoint ${dir} belongs to a different query: ${what} changed from ${JSON.stringify(before)} to ${JSON.stringify(now)}. ` +
        "Its state and offsets would not mean the same thing; use a new checkpointLocation for the changed query.",
    ),
  sinkFailed: (sink: string, batchId: number, cause: unknown) =>
    new SkpError(
      "SINK_FAILED",
      `Sink ${sink} failed to add batch ${batchId}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    ),
};

function safeShow(value: unknown): string {
  try {
    const s = typeof value === "bigint" ? `${value}n` : JSON.stringify(value);
    return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}
