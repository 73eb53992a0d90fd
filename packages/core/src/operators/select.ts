import type { OperatorFunction } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import { batchOperator, literalKey, rowPicker, withRows } from "./batch-operator.js";

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

/** Renames column `from` to `to`, keeping the column order (Spark's `withColumnRenamed`). */
export function rename(inputColumns: readonly string[], from: string, to: string): OperatorFunction<MicroBatch<Row>, MicroBatch<Row>> {
  const parts = inputColumns.map((c) => `${literalKey(c === from ? to : c)}: r[${JSON.stringify(c)}]`);
  // One object literal per row, as rowPicker builds (monomorphic rows); names are JSON-escaped.
  const build = new Function("r", `return {${parts.join(", ")}};`) as (r: Row) => Row;
  return batchOperator(`withColumnRenamed("${from}", "${to}")`, (batch) => {
    const rows = batch.rows;
    const out = new Array<Row>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = build(rows[i]!);
    return withRows(batch, out);
  });
}
