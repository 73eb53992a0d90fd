import type { LateRecord, MicroBatch, Row } from "../batch/micro-batch.js";
import type { OutputMode } from "../batch/output-mode.js";
import { cloneAcc } from "../expr/aggregates.js";
import type { SessionWindowSpec } from "../expr/window.js";
import type { AggregateAnalysis } from "../plan/analyze.js";
import type { StateStore } from "../state/state-store.js";
import * as support from "./aggregate-support.js";
import { batchOperator, withRows } from "./batch-operator.js";
import type { StatefulOperator } from "./stateful.js";

/** One session: `[s, e)` with its accumulators. */
export interface Session {
  s: number;
  e: number;
  a: unknown[];
}

/** State of one key: its open sessions, sorted by start, never overlapping. */
export interface SessionsState {
  k: unknown[];
  w: Session[];
}

export interface SessionAggregateConfig {
  readonly analysis: AggregateAnalysis;
  readonly outputMode: OutputMode;
  readonly store: StateStore<SessionsState>;
}

/**
 * Session windows (Spark's `session_window`): each event at t opens `[t, t + gap)`; sessions of one key
 * that overlap merge — within a batch and with sessions kept from earlier batches. A session is final
 * once its end is at or before the watermark: append emits it then and evicts it. An event whose own
 * session `[t, t + gap)` ends at or before the watermark is late: dropped and counted.
 */
export function sessionAggregate(config: SessionAggregateConfig): StatefulOperator {
  const { analysis, outputMode, store } = config;
  const spec = analysis.window as SessionWindowSpec;
  const { column, gapMs } = spec;
  const aggs = analysis.aggregators;
  const keyOf = support.keyEncoder(analysis.keyColumns);
  const evicting = support.evicts(analysis, outputMode);
  const toRow = support.outputRowBuilder(analysis);
  const name = `sessionAggregate(${column}, ${gapMs}ms)`;
  let minEnd = Infinity;
  for (const [, st] of store.entries()) for (const w of st.w) if (w.e < minEnd) minEnd = w.e;

  const mergeInto = (target: Session, other: Session) => {
    if (other.e > target.e) target.e = other.e;
    for (let j = 0; j < aggs.length; j++) target.a[j] = aggs[j]!.merge(target.a[j], other.a[j]);
  };

  type Event = { row: Row; t: number; idx: number };

  /** This batch's events per key, in arrival order (the index is used by first/last); late events dropped. */
  const eventsByKey = (batch: MicroBatch<Row>): { byKey: Map<string, Event[]>; dropped: number } => {
    const batchWm = batch.watermarkMs;
    const rowWm = analysis.watermark?.rowColumn;
    const rows = batch.rows;
    let late: LateRecord[] | undefined;
    let dropped = 0;
    const byKey = new Map<string, Event[]>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      const t = row[column];
      if (typeof t !== "number" || Number.isNaN(t)) continue;
      const wm = rowWm === undefined ? batchWm : Math.max(batchWm, row[rowWm] as number);
      if (evicting && t + gapMs <= wm) {
        dropped++;
        (late ??= support.lateOutput(batch, analysis))?.push({
          row,
          window: { start: t, end: t + gapMs },
          watermarkMs: wm,
          batchId: batch.batchId,
        });
        continue;
      }
      const key = keyOf(row);
      let list = byKey.get(key);
      if (!list) byKey.set(key, (list = []));
      list.push({ row, t, idx: i });
    }
    return { byKey, dropped };
  };

  /** Fold: one key's events into sessions, merged with the sessions kept from earlier batches. */
  const fold = (key: string, events: Event[], batchId: number): number => {
    events.sort((x, y) => x.t - y.t || x.idx - y.idx);
    // Sessions of this batch alone, built by one sweep over the sorted events.
    const fresh: Session[] = [];
    let cur: Session | undefined;
    for (const ev of events) {
      if (!cur || ev.t >= cur.e) {
        cur = { s: ev.t, e: ev.t + gapMs, a: aggs.map((a) => a.init()) };
        fresh.push(cur);
      } else if (ev.t + gapMs > cur.e) cur.e = ev.t + gapMs;
      support.accumulate(aggs, cur.a, ev.row, batchId, ev.idx);
    }
    const old = store.get(key);
    const kept = old ? old.w.map((w) => ({ s: w.s, e: w.e, a: w.a.map(cloneAcc) })) : [];
    // Merge stored and fresh sessions: sort by start, fold every overlapping neighbour into the current one.
    const all = [...kept, ...fresh].sort((x, y) => x.s - y.s);
    const merged: Session[] = [];
    for (const w of all) {
      const top = merged[merged.length - 1];
      if (top && w.s < top.e) mergeInto(top, w);
      else merged.push(w);
    }
    store.put(key, { k: old ? old.k : support.readKeys(analysis.keyColumns, (events[0] as Event).row), w: merged });
    return merged.length;
  };

  /** Evict: sessions the watermark closed leave state (append emits them); complete emits them all. */
  const evict = (wm: number): { emit: { t: number; k: unknown[]; w: Session }[]; removed: number } => {
    const emit: { t: number; k: unknown[]; w: Session }[] = [];
    let removed = 0;
    minEnd = Infinity;
    const emptied: string[] = [];
    for (const [key, st] of store.entries()) {
      if (outputMode === "complete") {
        for (const w of st.w) emit.push({ t: w.s, k: st.k, w });
        continue;
      }
      if (!evicting) continue;
      const expired = st.w.filter((w) => w.e <= wm);
      const rest = st.w.filter((w) => w.e > wm);
      for (const w of rest) if (w.e < minEnd) minEnd = w.e;
      if (expired.length === 0) continue;
      for (const w of expired) emit.push({ t: w.s, k: st.k, w });
      removed += expired.length;
      if (rest.length === 0) emptied.push(key);
      else store.put(key, { k: st.k, w: rest });
    }
    for (const key of emptied) store.remove(key);
    return { emit, removed };
  };

  /** Report: the operator's line in `progress.stateOperators` (state rows are open sessions). */
  const report = (batch: MicroBatch<Row>, updated: number, removed: number, dropped: number) => {
    let sessions = 0;
    for (const [, st] of store.entries()) sessions += st.w.length;
    batch.ctx.stateOperators.push({
      operatorName: name,
      numRowsTotal: sessions,
      numRowsUpdated: updated,
      numRowsRemoved: removed,
      numRowsDroppedByWatermark: dropped,
      memoryUsedBytes: sessions * support.estimateEntryBytes(analysis, 16),
    });
  };

  const operator = batchOperator<Row, Row>(name, (batch) => {
    const { byKey, dropped } = eventsByKey(batch);
    try {
      let updated = 0;
      for (const [key, events] of byKey) updated += fold(key, events, batch.batchId);
      const { emit, removed } = evict(batch.watermarkMs);
      store.commit();
      report(batch, updated, removed, dropped);
      emit.sort(support.compareGroups);
      return withRows(
        batch,
        emit.map(({ k, w }) => toRow(k, { start: w.s, end: w.e }, w.a)),
      );
    } catch (e) {
      store.abort();
      throw e;
    }
  });

  return { name, operator, hasExpiredState: (watermarkMs) => evicting && minEnd <= watermarkMs };
}
