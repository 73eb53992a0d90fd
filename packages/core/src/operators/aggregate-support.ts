import type { MicroBatch, Row } from "../batch/micro-batch.js";
import type { OutputMode } from "../batch/output-mode.js";
import type { Aggregator } from "../expr/aggregates.js";
import type { AggregateAnalysis } from "../plan/analyze.js";
import { rowBuilder } from "./batch-operator.js";

/** Separator inside composite state keys; a control character that does not occur in normal data. */
export const SEP = "\u0000";

/**
 * Encodes grouping values into one string key. Strings are prefixed with `"` so the string "1" and the
 * number 1 (or "null" and null) never collide.
 */
export function keyEncoder(columns: readonly string[]): (row: Row) => string {
  if (columns.length === 0) return () => "";
  if (columns.length === 1) {
    const c = columns[0]!;
    return (row) => encodeValue(row[c]);
  }
  return (row) => {
    let key = encodeValue(row[columns[0]!]);
    for (let i = 1; i < columns.length; i++) key += SEP + encodeValue(row[columns[i]!]);
    return key;
  };
}

function encodeValue(v: unknown): string {
  if (typeof v === "string") return `"${v}`;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null || v === undefined) return "null";
  return JSON.stringify(v) ?? String(v);
}

export function readKeys(columns: readonly string[], row: Row): unknown[] {
  const out = new Array<unknown>(columns.length);
  for (let i = 0; i < columns.length; i++) out[i] = row[columns[i]!] ?? null;
  return out;
}

/** Folds one row into a group's accumulators; (batchId, index) is the row's arrival position. */
export function accumulate(aggs: readonly Aggregator[], acc: unknown[], row: Row, batchId: number, index: number): void {
  for (let j = 0; j < aggs.length; j++) {
    const agg = aggs[j]!;
    acc[j] = agg.update(acc[j], agg.column === undefined ? null : row[agg.column], batchId, index);
  }
}

/** Orders output like a SQL `ORDER BY window, keys`: by event time first, then by key values. */
export function compareGroups(a: { t: number | null; k: unknown[] }, b: { t: number | null; k: unknown[] }): number {
  if (a.t !== b.t) return (a.t ?? -Infinity) - (b.t ?? -Infinity);
  for (let i = 0; i < a.k.length; i++) {
    const x = a.k[i],
      y = b.k[i];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return (x as any) < (y as any) ? -1 : 1;
  }
  return 0;
}

/** Builds output rows in the aggregation's column order (keys, window, aggregates). */
export function outputRowBuilder(analysis: AggregateAnalysis) {
  const build = rowBuilder(analysis.outputOrder);
  const slots = analysis.node.keys.map((k) => (typeof k === "string" ? analysis.keyColumns.indexOf(k) : -1));
  const aggs = analysis.aggregators;
  return (keys: unknown[], window: { start: number; end: number } | null, acc: unknown[]): Row => {
    const values: unknown[] = [];
    for (const slot of slots) values.push(slot < 0 ? window : keys[slot]);
    for (let j = 0; j < aggs.length; j++) values.push(aggs[j]!.result(acc[j]));
    return build(...values);
  };
}

/** Rough per-entry heap estimate for `memoryUsedBytes`: object headers, arrays, accumulators, key string. */
export function estimateEntryBytes(analysis: AggregateAnalysis, keyLength: number): number {
  return 160 + 16 * analysis.keyColumns.length + 48 * analysis.aggregators.length + 2 * keyLength;
}

export function evicts(analysis: AggregateAnalysis, mode: OutputMode): boolean {
  return analysis.watermark !== undefined && mode !== "complete";
}

export function lateOutput(batch: MicroBatch<Row>, analysis: AggregateAnalysis) {
  const wm = analysis.watermark;
  return wm?.lateRows ? batch.ctx.sideOutput(batch.ctx.lateRows, wm.id) : undefined;
}
