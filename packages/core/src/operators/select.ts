import type { OperatorFunction } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import { batchOperator, rowPicker, withRows } from "./batch-operator.js";

/** Keeps only `columns`, in that order. */
export function select(columns: readonly string[]): OperatorFunction<MicroBatch<Row>, MicroBatch<Row>> {
  const pick = rowPicker(columns);
  return batchOperator("select", (batch) => {
    const rows = batch.rows;
    const out = new Array<Row>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = pick(rows[i]!);
    return withRows(batch, out);
  });
}
