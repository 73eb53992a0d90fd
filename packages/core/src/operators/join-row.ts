import type { Row } from "../batch/micro-batch.js";
import { literalKey } from "./batch-operator.js";

/**
 * Compiles the output row of a join: `on` columns (from the left row, or the right one when there is
 * no left), the left's other columns, the right's (null for a missing side) — one object literal, so
 * output rows share a hidden class (see `rowPicker`). Names are JSON-escaped.
 */
export function joinedRow(on: readonly string[], left: readonly string[], right: readonly string[]): (l: Row | null, r: Row | null) => Row {
  const q = JSON.stringify;
  const parts = [
    ...on.map((c) => `${literalKey(c)}: (l ?? r)[${q(c)}]`),
    ...left.map((c) => `${literalKey(c)}: l === null ? null : (l[${q(c)}] ?? null)`),
    ...right.map((c) => `${literalKey(c)}: r === null ? null : (r[${q(c)}] ?? null)`),
  ];
  return new Function("l", "r", `return {${parts.join(", ")}};`) as (l: Row | null, r: Row | null) => Row;
}

/** Whether a row's join key has a null (SQL equality: it matches nothing); one column tested directly. */
export function nullKeyTest(on: readonly string[]): (row: Row) => boolean {
  const [single] = on;
  if (on.length === 1 && single !== undefined) return (row) => row[single] === null || row[single] === undefined;
  return (row) => on.some((c) => row[c] === null || row[c] === undefined);
}
