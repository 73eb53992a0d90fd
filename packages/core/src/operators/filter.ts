import type { OperatorFunction } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import { batchOperator, withRows } from "./batch-operator.js";

/** Keeps rows for which `predicate` is true (a Column predicate that is null drops the row, as in SQL). */
export function filter(predicate: (row: Row) => unknown, strict: boolean): OperatorFunction<MicroBatch<Row>, MicroBatch<Row>> {
  return batchOperator("filter", (batch) => {
    const rows = batch.rows;
    const out: Row[] = [];
    for (let i = 0; i < rows.length; i++) {
      const keep = predicate(rows[i]!);
      if (strict ? keep === true : keep) out.push(rows[i]!);
    }
    return withRows(batch, out);
  });
}
