import type { LateRecord, MicroBatch, Row } from "../batch/micro-batch.js";
import type { JoinAnalysis, JoinSide } from "../plan/analyze-join.js";
import type { StateStore } from "../state/state-store.js";
import { keyEncoder, SEP } from "./aggregate-support.js";
import { joinedRow } from "./join-row.js";

/** A row in join state: the row, whether it has matched, and its eviction time (null: never evicted). */
export interface JoinEntry {
  readonly r: Row;
  m: boolean;
  readonly t: number | null;
}

type Side = "L" | "R";

/**
 * Spark's stream-stream join (StreamingSymmetricHashJoinExec): both sides' rows are kept in state by
 * join key. Each batch, the left's new rows join the right's state and are stored; then the right's new
 * rows join the left's state — which now holds this batch's left rows — and are stored: every pair
 * meets exactly once, whatever the batches. Rows late against the watermark (on their side's
 * watermarked column) are dropped and counted first. After the batch, a side's rows that no future row
 * of the other side can match (its state watermark: the watermark and the time range) leave state; an
 * outer join emits those that never matched, with nulls for the other side — when the watermark has
 * passed their bound, never earlier and never twice. A left semi join emits a left row once, at its
 * first match. A null join key matches nothing.
 */
export function streamJoin(join: JoinAnalysis, store: StateStore<JoinEntry[]>) {
  const { on, type, timeRange } = join;
  const keyOf = keyEncoder(on);
  const semi = type === "leftSemi";
  const outerLeft = type === "leftOuter" || type === "fullOuter";
  const outerRight = type === "rightOuter" || type === "fullOuter";
  const joined = joinedRow(on, join.left.columns, join.right.columns);
  const inRange = (l: Row, r: Row): boolean => {
    if (!timeRange) return true;
    const lt = l[timeRange.left];
    const rt = r[timeRange.right];
    return typeof lt === "number" && typeof rt === "number" && rt >= lt + timeRange.lowerMs && rt <= lt + timeRange.upperMs;
  };
  const hasNullKey = (row: Row) => on.some((c) => row[c] === null || row[c] === undefined);
  const evictionTime = (side: JoinSide, row: Row): number | null => {
    const t = side.eviction ? row[side.eviction.column] : null;
    return typeof t === "number" ? t : null;
  };
  // Whether a stored row's match matters: for outer rows and semi joins only (an inner join never marks).
  const marks = type !== "inner";
  const min: Record<Side, number> = { L: Infinity, R: Infinity };
  const total: Record<Side, number> = { L: 0, R: 0 };
  for (const [key, list] of store.entries()) {
    const side = key[0] as Side;
    total[side] += list.length;
    for (const e of list) if (e.t !== null) min[side] = Math.min(min[side], e.t);
  }
  let nulls = 0;
  const name = `symmetricHashJoin(${type})`;

  const combine = (left: MicroBatch<Row>, right: MicroBatch<Row>): Row[] => {
    const wm = left.watermarkMs;
    const out: Row[] = [];
    const touched = new Map<string, JoinEntry[]>();
    const stats = { L: { added: 0, removed: 0, dropped: 0 }, R: { added: 0, removed: 0, dropped: 0 } };
    // Lists are changed in place and put back at the end of the batch (the store records the keys; a
    // failed batch fails the query, whose state is then read back from the checkpoint).
    const entries = (k: string): JoinEntry[] => {
      let list = touched.get(k);
      if (!list) {
        list = store.get(k) ?? [];
        touched.set(k, list);
      }
      return list;
    };
    // A lookup that may mark rows matched must put their list back (so the change is persisted).
    const lookup = (k: string): readonly JoinEntry[] => (marks ? entries(k) : (touched.get(k) ?? store.get(k) ?? []));
    const late = (side: JoinSide, s: Side, batch: MicroBatch<Row>): Row[] => {
      const wmInfo = side.watermark;
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
    const store_ = (s: Side, side: JoinSide, k: string, row: Row, matched: boolean, outer: boolean) => {
      const t = evictionTime(side, row);
      // Already past its state watermark: it can match nothing later, so it is not kept (an outer row is emitted now).
      if (t !== null && side.eviction && t <= wm + side.eviction.offsetMs) {
        if (outer && !matched) out.push(s === "L" ? joined(row, null) : joined(null, row));
        return;
      }
      entries(k).push({ r: row, m: matched, t });
      if (t !== null) min[s] = Math.min(min[s], t);
      stats[s].added++;
      total[s]++;
    };
    for (const row of late(join.left, "L", left)) {
      const nullKey = hasNullKey(row);
      const key = nullKey ? "" : keyOf(row);
      const k = nullKey ? `L${SEP}\u0001${nulls++}` : `L${SEP}${key}`;
      let matched = false;
      if (!nullKey)
        for (const e of lookup(`R${SEP}${key}`)) {
          if (!inRange(row, e.r)) continue;
          if (semi) {
            matched = true;
            break;
          }
          out.push(joined(row, e.r));
          matched = true;
          if (marks) e.m = true;
        }
      if (semi && matched) out.push(joined(row, null));
      else store_("L", join.left, k, row, matched, outerLeft);
    }
    for (const row of late(join.right, "R", right)) {
      const nullKey = hasNullKey(row);
      const key = nullKey ? "" : keyOf(row);
      const k = nullKey ? `R${SEP}\u0001${nulls++}` : `R${SEP}${key}`;
      let matched = false;
      if (!nullKey)
        for (const e of lookup(`L${SEP}${key}`)) {
          if (!inRange(e.r, row)) continue;
          if (semi) {
            if (!e.m) out.push(joined(e.r, null));
          } else out.push(joined(e.r, row));
          matched = true;
          if (marks) e.m = true;
        }
      store_("R", join.right, k, row, matched, outerRight);
    }
    for (const [k, list] of touched) list.length > 0 ? store.put(k, list) : store.remove(k);
    evict("L", join.left, wm, outerLeft, out, stats.L);
    evict("R", join.right, wm, outerRight, out, stats.R);
    store.commit();
    report(left, stats);
    return out;
  };

  /** Rows no future row can match leave state; an outer side's unmatched ones are emitted with nulls. */
  const evict = (s: Side, side: JoinSide, wm: number, outer: boolean, out: Row[], stat: { removed: number }) => {
    if (!side.eviction) return;
    const threshold = wm + side.eviction.offsetMs;
    if (min[s] > threshold) return;
    min[s] = Infinity;
    for (const [k, list] of [...store.entries()]) {
      if (k[0] !== s) continue;
      const keep: JoinEntry[] = [];
      for (const e of list) {
        if (e.t !== null && e.t <= threshold) {
          stat.removed++;
          total[s]--;
          if (outer && !e.m) out.push(s === "L" ? joined(e.r, null) : joined(null, e.r));
        } else {
          keep.push(e);
          if (e.t !== null) min[s] = Math.min(min[s], e.t);
        }
      }
      if (keep.length === 0) store.remove(k);
      else if (keep.length !== list.length) store.put(k, keep);
    }
  };

  const report = (batch: MicroBatch<Row>, stats: Record<Side, { added: number; removed: number; dropped: number }>) => {
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
    (join.left.eviction !== undefined && min.L <= wm + join.left.eviction.offsetMs) ||
    (join.right.eviction !== undefined && min.R <= wm + join.right.eviction.offsetMs);
  return { name, combine, hasExpiredState };
}
