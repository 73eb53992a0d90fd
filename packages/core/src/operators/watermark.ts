import type { OperatorFunction } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import { batchOperator } from "./batch-operator.js";

/**
 * Spark's EventTimeWatermarkExec: passes rows through unchanged and records min/max/avg event time of the
 * batch. The runtime turns the max into the next batch's watermark; nulls and non-numbers are ignored.
 */
export function watermark(id: number, column: string): OperatorFunction<MicroBatch<Row>, MicroBatch<Row>> {
  return batchOperator(`withWatermark("${column}")`, (batch) => {
    const rows = batch.rows;
    let min = Infinity,
      max = -Infinity,
      sum = 0,
      count = 0;
    for (let i = 0; i < rows.length; i++) {
      const t = rows[i]![column];
      if (typeof t !== "number" || Number.isNaN(t)) continue;
      if (t < min) min = t;
      if (t > max) max = t;
      sum += t;
      count++;
    }
    if (count > 0) batch.ctx.eventTime.set(id, { min, max, sum, count });
    return batch;
  });
}
