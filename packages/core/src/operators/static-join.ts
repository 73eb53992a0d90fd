import type { OperatorFunction } from "rxjs";
import { concatMap } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import { errors } from "../errors.js";
import type { StaticJoinNode } from "../plan/nodes.js";
import { keyEncoder } from "./aggregate-support.js";
import { batchOperator, withRows } from "./batch-operator.js";
import { joinedRow, nullKeyTest } from "./join-row.js";

type Index = Map<unknown, Row[]>;

/**
 * A stream joined with a static table (Spark's stream-static join): no state — each batch's rows are
 * looked up in a hash index of the table by the `on` columns. Inner: a row per match; leftOuter: a
 * row with nulls for the table's columns when nothing matches. A null in an `on` column matches
 * nothing (SQL equality). With a loader instead of rows, the table is loaded (and indexed) again for
 * every batch — how a lookup table is refreshed; its rows must have the declared columns.
 */
export function staticJoin(node: StaticJoinNode, leftColumns: readonly string[]): OperatorFunction<MicroBatch<Row>, MicroBatch<Row>> {
  const { on, type, right } = node;
  // One key column: index by its value itself when it is a string, number or boolean (a Map keeps 1 and
  // "1" apart); otherwise, or for several columns, by the encoded key.
  const encode = keyEncoder(on);
  const single = on.length === 1 ? (on[0] as string) : undefined;
  const keyOf = (row: Row): unknown => {
    if (single === undefined) return encode(row);
    const v = row[single];
    return typeof v === "object" ? encode(row) : v;
  };
  const rightColumns = Object.keys(right.fields).filter((c) => !on.includes(c));
  const leftOthers = leftColumns.filter((c) => !on.includes(c));
  // One compiled object literal per output row (see joinedRow): no per-row arrays or spreads.
  const build = joinedRow(on, leftOthers, rightColumns);
  const hasNullKey = nullKeyTest(on);
  const index = (rows: readonly Row[]): Index => {
    const out: Index = new Map();
    for (const r of rows) {
      if (hasNullKey(r)) continue;
      const k = keyOf(r);
      const list = out.get(k);
      if (list) list.push(r);
      else out.set(k, [r]);
    }
    return out;
  };
  const name = `join(${type}, static, on ${on.join(", ")})`;
  const joinBatch = (batch: MicroBatch<Row>, table: Index): MicroBatch<Row> => {
    const out: Row[] = [];
    for (const l of batch.rows) {
      const matches = hasNullKey(l) ? undefined : table.get(keyOf(l));
      if (matches) for (const r of matches) out.push(build(l, r));
      else if (type === "leftOuter") out.push(build(l, null));
    }
    return withRows(batch, out);
  };
  if (typeof right.rows !== "function") {
    const table = index(right.rows);
    return batchOperator(name, (batch) => joinBatch(batch, table));
  }
  const load = right.rows;
  return concatMap(async (batch: MicroBatch<Row>) => {
    let rows: readonly Row[];
    try {
      rows = await load();
    } catch (e) {
      throw errors.operatorFailed(`${name}: loading the static table`, batch.batchId, e);
    }
    return joinBatch(batch, index(rows));
  });
}
