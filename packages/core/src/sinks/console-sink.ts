import { formatTable } from "./format-table.js";
import type { Sink } from "./sink.js";

export interface ConsoleSinkOptions {
  /** Rows shown per batch. Default 20 (Spark's `numRows`). */
  numRows?: number;
  /** Cut cells to 20 characters, right-aligned. Default true (Spark's `truncate`). */
  truncate?: boolean;
  /** Where lines go. Default `console.log`. */
  print?: (text: string) => void;
}

const RULE = "-------------------------------------------";

/**
 * Spark's console sink: prints a `Batch: N` header and the batch as a `+---+` table. Idempotent by
 * batch id, so a replayed batch is not printed twice.
 */
export function consoleSink<Row = Record<string, unknown>>(options: ConsoleSinkOptions = {}): Sink<Row> {
  const { numRows = 20, truncate = true, print = (t: string) => console.log(t) } = options;
  let lastBatchId = -1;
  return {
    description: "ConsoleSink",
    addBatch(batchId, rows, info) {
      if (batchId <= lastBatchId) return;
      lastBatchId = batchId;
      print(`${RULE}\nBatch: ${batchId}\n${RULE}\n${formatTable(rows as Record<string, unknown>[], info.fields, numRows, truncate)}\n`);
    },
  };
}
