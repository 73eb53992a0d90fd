import type { MalformedRecord } from "../batch/micro-batch.js";
import type { OutputMode } from "../batch/output-mode.js";
import type { Fields } from "../schema/types.js";

/** What a sink is told about the rows it receives. */
export interface BatchInfo {
  readonly outputMode: OutputMode;
  /** Columns of the rows (types drive formatting, e.g. timestamps on the console). */
  readonly fields: Fields;
  readonly queryId: string;
  /** Set when the rows are a side output: `MalformedRecord`s (dead letters) or `LateRecord`s (late rows). */
  readonly sideOutput?: "deadLetters" | "lateRows";
}

/**
 * Spark's sink contract: `addBatch` must be idempotent by batch id — a batch id at or below the last one
 * committed is skipped — so a batch re-run after a crash is not written twice.
 */
export interface Sink<Row = Record<string, unknown>> {
  /** Shown in progress (`sink.description`). */
  readonly description: string;
  addBatch(batchId: number, rows: readonly Row[], info: BatchInfo): void | Promise<void>;
  /**
   * Optional, for sinks whose output other programs read (files): where malformed records go when the
   * query's `parseJson` was given no mode. They are then quarantined there instead of becoming rows of
   * nulls in the output (Spark's PERMISSIVE), which readers such as pandas cannot always load; an
   * explicit `mode: "permissive"` keeps Spark's null rows.
   */
  deadLetterSink?(): Sink<MalformedRecord> | undefined;
  /** Called once when the query stops, after the last batch. */
  stop?(): void | Promise<void>;
}
