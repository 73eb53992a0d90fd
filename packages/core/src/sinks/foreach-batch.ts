import type { BatchInfo, Sink } from "./sink.js";

/**
 * Spark's `foreachBatch`: calls `fn(rows, batchId)` for every micro-batch (empty ones included when the
 * query runs a no-data batch). Exactly-once is up to `fn`: use `batchId` to skip batches already written.
 */
export function foreachBatch<Row = Record<string, unknown>>(
  fn: (rows: readonly Row[], batchId: number, info: BatchInfo) => void | Promise<void>,
): Sink<Row> {
  return { description: "ForeachBatchSink", addBatch: (batchId, rows, info) => fn(rows, batchId, info) };
}
