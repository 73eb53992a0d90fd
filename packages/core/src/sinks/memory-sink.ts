import type { BatchInfo, Sink } from "./sink.js";

export interface MemorySink<Row = Record<string, unknown>> extends Sink<Row> {
  /** Every row emitted, in order (in complete mode: every table, one after another). */
  readonly rows: Row[];
  /** Every batch committed, in order. */
  readonly batches: { batchId: number; rows: Row[] }[];
  /** Rows of the latest batch: in complete mode, the current result table. */
  readonly lastBatch: Row[];
  /** Highest batch id committed, or -1. */
  readonly lastBatchId: number;
}

/**
 * Spark's memory sink, for tests and notebooks: keeps everything in memory. Idempotent: a batch id at
 * or below the last committed one is ignored, so replays never duplicate rows.
 */
export function memorySink<Row = Record<string, unknown>>(): MemorySink<Row> {
  const rows: Row[] = [];
  const batches: { batchId: number; rows: Row[] }[] = [];
  let lastBatchId = -1;
  return {
    description: "MemorySink",
    rows,
    batches,
    get lastBatch() {
      return batches.length === 0 ? [] : batches[batches.length - 1]!.rows;
    },
    get lastBatchId() {
      return lastBatchId;
    },
    addBatch(batchId: number, batch: readonly Row[], _info: BatchInfo) {
      if (batchId <= lastBatchId) return;
      const copy = batch.slice();
      batches.push({ batchId, rows: copy });
      for (const row of copy) rows.push(row);
      lastBatchId = batchId;
    },
  };
}
