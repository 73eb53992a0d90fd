import type { LateRecord, MicroBatch, Row } from "../batch/micro-batch.js";
import type { JoinAnalysis, JoinSide } from "../plan/analyze-join.js";
import type { StateStore } from "../state/state-store.js";
import { keyEncoder } from "./aggregate-support.js";
import { EvictionIndex } from "./join-eviction.js";
import { joinedRow, nullKeyTest } from "./join-row.js";

/** A row in join state: the row, whether it has matched, and its eviction time (null: never evicted). */
export interface JoinEntry {
  readonly r: Row;
  m: boolean;
  readonly t: number | null;
}

/** One join key's state: both sides' rows (one state entry per key: one lookup serves both sides). */
export interface JoinState {
  L: JoinEntry[];
  R: JoinEntry[];
}

type Side = "L" | "R";
type Stats = Record<Side, { added: number; removed: number; dropped: number }>;

/**
 * Spark's stream-stream join (StreamingSymmetricHashJoinExec): both sides' rows are kept in state by
 * join key. Each batch, the left's new rows join the right's state and are stored; then the right's new
 * rows join the left's state — which now holds this batch's left rows — and are stored: every pair
 * meets exactly once, whatever the batches. Rows late against the watermark (on their side's
 * watermarked column) are dropped and counted first. After the batch, a side's rows that no future row
 * of the other side can match (its state watermark: the watermark and the time range) leave state; an
 * outer join emits those that never matched, with nulls for the other side — when the watermark has
 * passed their bound, never earlier and never twice. A left semi join emits a left row once, at its
 * first match. A null join key matches nothing. A key's lists change in place and are put back at the
 * end of the batch, so the store records every change (a failed batch fails the query, whose state is
 * then read back from the checkpoint).
 */
export function streamJoin(join: JoinAnalysis, store: StateStore<JoinState>) {
  const { on, type, timeRange } = join;
  const keyOf = keyEncoder(on);
  const semi = type === "leftSemi";
  const outer: Record<Side, boolean> = {
    L: type === "leftOuter" || type === "fullOuter",
    R: type === "rightOuter" || type === "fullOuter",
  };
  const sides: Record<Side, JoinSide> = { L: join.left, R: join.right };
  const joined = joinedRow(on, join.left.columns, join.right.columns);
  const alone = (s: Side, r: Row) => (s === "L" ? joined(r, null) : joined(null, r));
  const inRange = (l: Row, r: Row): boolean => {
    if (!timeRange) return true;
    const lt = l[timeRange.left];
    const rt = r[timeRange.right];
    return typeof lt === "number" && typeof rt === "number" && rt >= lt + timeRange.lowerMs && rt <= lt + timeRange.upperMs;
  };
  const hasNullKey = nullKeyTest(on);
  const evictionTime = (side: JoinSide, row: Row): number | null => {
    const t = side.eviction ? row[side.eviction.column] : null;
    return typeof t === "number" ? t : null;
  };
  // Whether a stored row's match matters: for outer rows and semi joins only (an inner join never marks).
  const marks = type !== "inner";
  const index: Record<Side, EvictionIndex> = { L: new EvictionIndex(), R: new EvictionIndex() };
  const total: Record<Side, number> = { L: 0, R: 0 };
  for (const [key, st] of store.entries()) {
    for (const s of ["L", "R"] as const) {
      total[s] += st[s].length;
      for (const e of st[s]) if (e.t !== null) index[s].add(e.t, key);
    }
  }
  let nulls = 0;
  const name = `symmetricHashJoin(${type})`;

  const combine = (left: MicroBatch<Row>, right: MicroBatch<Row>): Row[] => {
    const wm = left.watermarkMs;
    const out: Row[] = [];
    const touched = new Map<string, JoinState>();
    const stats: Stats = { L: { added: 0, removed: 0, dropped: 0 }, R: { added: 0, removed: 0, dropped: 0 } };
    const stateOf = (k: string): JoinState => {
      let st = touched.get(k);
      if (!st) {
        st = store.get(k) ?? { L: [], R: [] };
        touched.set(k, st);
      }
      return st;
    };
    const late = (s: Side, batch: MicroBatch<Row>): Row[] => {
      const wmInfo = sides[s].watermark;
      if (!wmInfo) return batch.rows;
      let records: LateRecord[] | undefined;
      return batch.rows.filter((row) => {
        const t = row[wmInfo.column];
        if (typeof t !== "number" || t > wm) return true;
        stats[s].dropped++;
        if (wmInfo.lateRows)
          (records ??= batch.ctx.sideOutput(batch.ctx.lateRows, wmInfo.id)).push({
            row,
            window: null,
            watermarkMs: wm,
            batchId: batch.batchId,
          });
        return false;
      });
    };
    const keep = (s: Side, st: JoinState, k: string, row: Row, matched: boolean) => {
      const side = sides[s];
      const t = evictionTime(side, row);
      // Already past its state watermark: it can match nothing later, so it is not kept (an outer row is emitted now).
      if (t !== null && side.eviction && t <= wm + side.eviction.offsetMs) {
        if (outer[s] && !matched) out.push(alone(s, row));
        return;
      }
      st[s].push({ r: row, m: matched, t });
      if (t !== null) index[s].add(t, k);
      stats[s].added++;
      total[s]++;
    };
    for (const row of late("L", left)) {
      const nullKey = hasNullKey(row);
      const k = nullKey ? `\u0001${nulls++}` : keyOf(row);
      const st = stateOf(k);
      let matched = false;
      for (const e of st.R) {
        if (!inRange(row, e.r)) continue;
        matched = true;
        if (semi) break;
        out.push(joined(row, e.r));
        if (marks) e.m = true;
      }
      if (semi && matched) out.push(joined(row, null));
      else keep("L", st, k, row, matched);
    }
    for (const row of late("R", right)) {
      const nullKey = hasNullKey(row);
      const k = nullKey ? `\u0001${nulls++}` : keyOf(row);
      const st = stateOf(k);
      let matched = false;
      for (const e of st.L) {
        if (!inRange(e.r, row)) continue;
        if (!semi) out.push(joined(e.r, row));
        else if (!e.m) out.push(joined(e.r, null));
        matched = true;
        if (marks) e.m = true;
      }
      keep("R", st, k, row, matched);
    }
    for (const [k, st] of touched) st.L.length + st.R.length > 0 ? store.put(k, st) : store.remove(k);
    evict("L", wm, out, stats);
    evict("R", wm, out, stats);
    store.commit();
    report(left, stats);
    return out;
  };

  /** Rows no future row can match leave state; an outer side's unmatched ones are emitted with nulls. */
  const evict = (s: Side, wm: number, out: Row[], stats: Stats) => {
    const { eviction } = sides[s];
    if (!eviction) return;
    const threshold = wm + eviction.offsetMs;
    if (!index[s].due(threshold)) return;
    for (const k of index[s].take(threshold)) {
      const st = store.get(k);
      if (!st) continue;
      const kept: JoinEntry[] = [];
      for (const e of st[s]) {
        if (e.t !== null && e.t <= threshold) {
          stats[s].removed++;
          total[s]--;
          if (outer[s] && !e.m) out.push(alone(s, e.r));
        } else {
          kept.push(e);
          if (e.t !== null) index[s].add(e.t, k); // still kept: listed again
        }
      }
      if (kept.length === st[s].length) continue;
      st[s] = kept;
      st.L.length + st.R.length > 0 ? store.put(k, st) : store.remove(k);
    }
  };

  const report = (batch: MicroBatch<Row>, stats: Stats) => {
    for (const [s, label] of [
      ["L", "left"],
      ["R", "right"],
    ] as const) {
      batch.ctx.stateOperators.push({
        operatorName: `${name}.${label}`,
        numRowsTotal: total[s],
        numRowsUpdated: stats[s].added,
        numRowsRemoved: stats[s].removed,
        numRowsDroppedByWatermark: stats[s].dropped,
        memoryUsedBytes: total[s] * 200,
      });
    }
  };

  const hasExpiredState = (wm: number) =>
    (join.left.eviction !== undefined && index.L.due(wm + join.left.eviction.offsetMs)) ||
    (join.right.eviction !== undefined && index.R.due(wm + join.right.eviction.offsetMs));
  return { name, combine, hasExpiredState };
}
