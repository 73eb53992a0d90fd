import type { OperatorFunction } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import { batchOperator, rowPicker, withRows } from "./batch-operator.js";

/** Adds (or replaces) column `name` with the value of `compute(row)`. */
export function withColumn(
  inputColumns: readonly string[],
  name: string,
  compute: (row: Row) => unknown,
): OperatorFunction<MicroBatch<Row>, MicroBatch<Row>> {
  const build = rowPicker(
    inputColumns.filter((c) => c !== name),
    name,
  );
  return batchOperator(`withColumn("${name}")`, (batch) => {
    const rows = batch.rows;
    const out = new Array<Row>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      out[i] = build(r, compute(r));
    }
    return withRows(batch, out);
  });
}
