import type { LateRecord, Row } from "../batch/micro-batch.js";
import type { DedupAnalysis } from "../plan/analyze-ops.js";
import type { StateStore } from "../state/state-store.js";
import { keyEncoder } from "./aggregate-support.js";
import { batchOperator, withRows } from "./batch-operator.js";
import type { StatefulOperator } from "./stateful.js";

/**
 * Spark's streaming deduplication. A row whose key is not in state passes and puts its key there; a
 * row whose key is, is dropped. With a watermark on the input, rows whose event time is at or below it
 * are late: dropped and counted, before deduplication (as Spark does). State is evicted by the
 * watermark after each batch: `dropDuplicates` forgets a key once the watermark reaches its event-time
 * key column (only when the event-time column is a key; otherwise state grows with the keys), and
 * `dropDuplicatesWithinWatermark` once the watermark reaches the key's first event time + the delay.
 * State values: the eviction time, or null (never evicted).
 */
export function deduplicate(dedup: DedupAnalysis, store: StateStore<number | null>): StatefulOperator {
  const { keyColumns, watermark, eviction, withinWatermark } = dedup;
  const keyOf = keyEncoder(keyColumns);
  const lateColumn = watermark?.column;
  const name = withinWatermark ? "dedupeWithinWatermark" : "dedupe";
  let minEvict = Infinity;
  for (const [, t] of store.entries()) if (t !== null && t < minEvict) minEvict = t;
  const evictionTime = (row: Row): number | null => {
    if (!eviction) return null;
    const t = row[eviction.column];
    if (typeof t !== "number" || Number.isNaN(t)) return null;
    return eviction.kind === "expiry" ? t + eviction.delayMs : t;
  };

  const operator = batchOperator<Row, Row>(name, (batch) => {
    const wm = batch.watermarkMs;
    const out: Row[] = [];
    let late: LateRecord[] | undefined;
    let dropped = 0;
    let duplicates = 0;
    let updated = 0;
    try {
      for (const row of batch.rows) {
        const t = lateColumn === undefined ? undefined : row[lateColumn];
        if (typeof t === "number" && t <= wm) {
          dropped++;
          if (watermark?.lateRows)
            (late ??= batch.ctx.sideOutput(batch.ctx.lateRows, watermark.id)).push({
              row,
              window: null,
              watermarkMs: wm,
              batchId: batch.batchId,
            });
          continue;
        }
        const key = keyOf(row);
        if (store.get(key) !== undefined) {
          duplicates++;
          continue;
        }
        const e = evictionTime(row);
        store.put(key, e);
        if (e !== null && e < minEvict) minEvict = e;
        updated++;
        out.push(row);
      }
      let removed = 0;
      if (eviction && minEvict <= wm) {
        minEvict = Infinity;
        const expired: string[] = [];
        for (const [key, e] of store.entries()) {
          if (e === null) continue;
          if (e <= wm) expired.push(key);
          else if (e < minEvict) minEvict = e;
        }
        for (const key of expired) store.remove(key);
        removed = expired.length;
      }
      store.commit();
      batch.ctx.stateOperators.push({
        operatorName: name,
        numRowsTotal: store.size,
        numRowsUpdated: updated,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: dropped,
        memoryUsedBytes: store.size * (96 + 24 * keyColumns.length),
        customMetrics: { numDroppedDuplicateRows: duplicates },
      });
    } catch (e) {
      store.abort();
      throw e;
    }
    return withRows(batch, out);
  });

  return { name, operator, hasExpiredState: (watermarkMs) => eviction !== null && minEvict <= watermarkMs };
}
