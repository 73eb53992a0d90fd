import type { OperatorFunction } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import { ROW_WATERMARK } from "../plan/analyze.js";
import { decodeEnvelope } from "../sources/exchange.js";
import type { StateStore } from "../state/state-store.js";
import { batchOperator, withRows } from "./batch-operator.js";

/** Where an exchange partition stands with one input partition (kept in the shard's commit marker). */
export interface InputPosition {
  /** The last batch (fence) of the input partition applied here, and its last chunk applied. */
  readonly t: string;
  readonly c: number;
  /** The input partition's watermark after its last batch applied whole (null: none yet). */
  readonly w: number | null;
  /** The number of input partitions. */
  readonly n: number;
}

/**
 * The second stage's input (see `ExchangeInputNode`). An input partition's batches reach each exchange
 * partition in order — the next owner of an input partition writes only once the last owner's batch
 * is committed — and a replay rewrites the same chunks, so a chunk is new unless it belongs to the
 * batch last applied, at or below the chunk last applied. Rows carry the watermark their input
 * partition's batch ran with; the shard's watermark is the lowest input partition's, once every input
 * partition has reported one (an input partition that never did holds windows back, as an idle
 * partition does without the exchange).
 */
export function exchangeInput(id: number, store: StateStore<InputPosition>): OperatorFunction<MicroBatch<Row>, MicroBatch<Row>> {
  return batchOperator<Row, Row>("exchangeInput", (batch) => {
    const out: Row[] = [];
    try {
      for (const message of batch.rows) {
        const value = message.value;
        if (!(value instanceof Uint8Array)) continue;
        const env = decodeEnvelope(value);
        const key = String(env.p);
        const at = store.get(key);
        if (at && at.t === env.t && env.c <= at.c) continue;
        for (const row of env.rows) {
          row[ROW_WATERMARK] = env.wb;
          out.push(row);
        }
        const w = env.l ? Math.max(at?.w ?? env.wa, env.wa) : (at?.w ?? null);
        store.put(key, { t: env.t, c: env.c, w, n: env.n });
      }
      store.commit();
    } catch (e) {
      store.abort();
      throw e;
    }
    const wm = lowestWatermark(store);
    if (wm !== undefined) batch.ctx.eventTime.set(id, { min: wm, max: wm, sum: wm, count: 1 });
    return withRows(batch, out);
  });
}

/** The lowest input partition's watermark, once every input partition has one. */
function lowestWatermark(store: StateStore<InputPosition>): number | undefined {
  let min = Infinity;
  let known = 0;
  let n = 0;
  for (const [, at] of store.entries()) {
    n = at.n;
    if (at.w === null) return undefined;
    min = Math.min(min, at.w);
    known++;
  }
  return known > 0 && known >= n ? min : undefined;
}
