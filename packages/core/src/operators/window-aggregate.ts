import type { LateRecord, MicroBatch, Row } from "../batch/micro-batch.js";
import type { OutputMode } from "../batch/output-mode.js";
import { cloneAcc } from "../expr/aggregates.js";
import type { WindowSpec } from "../expr/window.js";
import { lastWindowStart } from "../expr/window.js";
import type { AggregateAnalysis } from "../plan/analyze.js";
import type { StateStore } from "../state/state-store.js";
import {
  accumulate,
  compareGroups,
  estimateEntryBytes,
  evicts,
  keyEncoder,
  lateOutput,
  outputRowBuilder,
  readKeys,
  SEP,
} from "./aggregate-support.js";
import { batchOperator, withRows } from "./batch-operator.js";
import type { StatefulOperator } from "./stateful.js";

/** One group's state. Short names keep checkpointed state small; all fields are JSON-serializable. */
export interface GroupState {
  /** Grouping key values, in `keyColumns` order. */
  k: unknown[];
  /** Window start (null when not grouped by a window). */
  s: number | null;
  /** Eviction time: the window end, or the value of a watermarked grouping column; null = never evicted. */
  e: number | null;
  /** Accumulators, one per aggregate. */
  a: unknown[];
}

export interface WindowAggregateConfig {
  readonly analysis: AggregateAnalysis;
  readonly outputMode: OutputMode;
  readonly store: StateStore<GroupState>;
}

/**
 * Streaming aggregation by keys, optionally by tumbling/sliding event-time window (Spark's
 * StateStoreRestore/Save pair). Each batch folds its rows into state, drops and counts (row, window)
 * pairs whose window ended at or before the watermark, then emits per output mode:
 * append — groups whose end passed the watermark, once, then evicted; update — groups changed in this
 * batch, then expired ones evicted; complete — the whole table, nothing evicted.
 */
export function windowAggregate(config: WindowAggregateConfig): StatefulOperator {
  const { analysis, outputMode, store } = config;
  const win = analysis.window?.kind === "window" ? (analysis.window as WindowSpec) : undefined;
  const aggs = analysis.aggregators;
  const keyOf = keyEncoder(analysis.keyColumns);
  const evicting = evicts(analysis, outputMode);
  const wmKey = analysis.watermarkKey;
  const toRow = outputRowBuilder(analysis);
  const name = win ? `windowAggregate(${win.column}, ${win.sizeMs}ms)` : "aggregate";
  let minEvictTime = Infinity;
  // State restored from a checkpoint may already hold groups the watermark expires (a query that
  // never evicts skips the scan: on a disk store it would read every group at each start).
  if (evicting) for (const [, g] of store.entries()) if (g.e !== null && g.e < minEvictTime) minEvictTime = g.e;

  const load = (touched: Map<string, GroupState>, key: string, row: Row, s: number | null, e: number | null) => {
    const old = store.get(key);
    // Copy on first touch: the committed value must stay intact until commit, so abort() can restore it.
    const g: GroupState = old
      ? { k: old.k, s: old.s, e: old.e, a: old.a.map(cloneAcc) }
      : { k: readKeys(analysis.keyColumns, row), s, e, a: aggs.map((a) => a.init()) };
    touched.set(key, g);
    return g;
  };

  /** Fold: rows into the groups of their windows; (row, window) pairs already final are late. */
  const foldWindows = (batch: MicroBatch<Row>, spec: WindowSpec, touched: Map<string, GroupState>): number => {
    const { column, sizeMs, slideMs } = spec;
    const batchWm = batch.watermarkMs;
    const rowWm = analysis.watermark?.rowColumn;
    const rows = batch.rows;
    let late: LateRecord[] | undefined;
    let dropped = 0;
    // Groups touched this batch by window start, then by key: the composite state key is built once
    // per group, not once per row (a string concatenation and its hashing per row).
    const byStart = new Map<number, Map<string, GroupState>>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      const t = row[column];
      // Rows without an event time belong to no window (Spark filters them out before windowing).
      if (typeof t !== "number" || Number.isNaN(t)) continue;
      const ks = keyOf(row);
      const wm = rowWm === undefined ? batchWm : Math.max(batchWm, row[rowWm] as number);
      for (let start = lastWindowStart(spec, t); start > t - sizeMs; start -= slideMs) {
        const end = start + sizeMs;
        if (evicting && end <= wm) {
          dropped++;
          (late ??= lateOutput(batch, analysis))?.push({ row, window: { start, end }, watermarkMs: wm, batchId: batch.batchId });
          continue;
        }
        let groups = byStart.get(start);
        if (!groups) byStart.set(start, (groups = new Map()));
        let g = groups.get(ks);
        if (!g) groups.set(ks, (g = load(touched, start + SEP + ks, row, start, end)));
        accumulate(aggs, g.a, row, batch.batchId, i);
      }
    }
    return dropped;
  };

  /** Fold without a window: rows into their key's group; a watermarked key column at or below the watermark is late. */
  const foldGroups = (batch: MicroBatch<Row>, touched: Map<string, GroupState>): number => {
    const batchWm = batch.watermarkMs;
    const rowWm = analysis.watermark?.rowColumn;
    const rows = batch.rows;
    let late: LateRecord[] | undefined;
    let dropped = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      const t = wmKey ? row[wmKey] : null;
      const wm = rowWm === undefined ? batchWm : Math.max(batchWm, row[rowWm] as number);
      if (evicting && typeof t === "number" && t <= wm) {
        dropped++;
        (late ??= lateOutput(batch, analysis))?.push({ row, window: null, watermarkMs: wm, batchId: batch.batchId });
        continue;
      }
      const key = keyOf(row);
      const g = touched.get(key) ?? load(touched, key, row, null, typeof t === "number" ? t : null);
      accumulate(aggs, g.a, row, batch.batchId, i);
    }
    return dropped;
  };

  /** Evict: groups the watermark finalized leave state (append emits them); returns what to emit. */
  const evict = (touched: Map<string, GroupState>, wm: number): { emit: GroupState[]; removed: number } => {
    if (outputMode === "complete") return { emit: [...store.entries()].map(([, g]) => g), removed: 0 };
    const emit: GroupState[] = outputMode === "update" ? [...touched.values()] : [];
    if (!evicting) return { emit, removed: 0 };
    // `minEvictTime` bounds every group's end from below (the last scan's minimum, lowered by each
    // group touched since): below it nothing expires, and the scan of all state is skipped.
    for (const g of touched.values()) if (g.e !== null && g.e < minEvictTime) minEvictTime = g.e;
    if (wm < minEvictTime) return { emit, removed: 0 };
    const expired: string[] = [];
    minEvictTime = Infinity;
    for (const [key, g] of store.entries()) {
      if (g.e !== null && g.e <= wm) {
        expired.push(key);
        if (outputMode === "append") emit.push(g);
      } else if (g.e !== null && g.e < minEvictTime) minEvictTime = g.e;
    }
    for (const key of expired) store.remove(key);
    return { emit, removed: expired.length };
  };

  /** Report: the operator's line in `progress.stateOperators`. */
  const report = (batch: MicroBatch<Row>, touched: Map<string, GroupState>, removed: number, dropped: number) => {
    const sample = touched.keys().next().value ?? store.entries().next().value?.[0] ?? "";
    batch.ctx.stateOperators.push({
      operatorName: name,
      numRowsTotal: store.size,
      numRowsUpdated: touched.size,
      numRowsRemoved: removed,
      numRowsDroppedByWatermark: dropped,
      memoryUsedBytes: store.size * estimateEntryBytes(analysis, sample.length),
    });
  };

  const operator = batchOperator<Row, Row>(name, (batch) => {
    const touched = new Map<string, GroupState>();
    try {
      const dropped = win ? foldWindows(batch, win, touched) : foldGroups(batch, touched);
      for (const [key, g] of touched) store.put(key, g);
      const { emit, removed } = evict(touched, batch.watermarkMs);
      store.commit();
      report(batch, touched, removed, dropped);
      const ordered = emit.map((g) => ({ t: g.s ?? g.e, k: g.k, g })).sort(compareGroups);
      return withRows(
        batch,
        ordered.map(({ g }) => toRow(g.k, g.s === null ? null : { start: g.s, end: g.e as number }, g.a)),
      );
    } catch (e) {
      store.abort();
      throw e;
    }
  });

  return {
    name,
    operator,
    hasExpiredState: (watermarkMs) => evicting && minEvictTime <= watermarkMs,
  };
}
