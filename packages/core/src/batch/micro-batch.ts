/**
 * On a batch's row array from a source of several inputs: each input's rows apart (the array itself
 * holds them all, for counting).
 */
export const INPUTS: unique symbol = Symbol("skp.inputs");

/** Each input's rows of a batch from several sources (undefined: one source). */
export function inputsOf<R>(rows: readonly R[]): R[][] | undefined {
  return (rows as { [INPUTS]?: R[][] })[INPUTS];
}

/** A row as it flows through the engine: a plain object. */
export type Row = Record<string, unknown>;

/**
 * The unit that flows through the RxJS pipeline: one micro-batch of rows, never a single row, so the
 * per-row cost stays a plain loop over an array.
 */
export interface MicroBatch<R = Row> {
  readonly batchId: number;
  readonly rows: R[];
  /** The watermark in force for this batch: computed at the end of the previous batch (0 at first). */
  readonly watermarkMs: number;
  /** Per-batch metrics and side outputs, filled by operators and read by the runtime. */
  readonly ctx: BatchContext;
  /** With several sources (a union or join): each source's rows, in the plan's source order. */
  readonly inputs?: readonly R[][];
}

export interface EventTimeStats {
  min: number;
  max: number;
  sum: number;
  count: number;
}

/** A record quarantined by `parseJson(..., { mode: "quarantine" })`. */
export interface MalformedRecord {
  /** The raw input value (string or bytes) exactly as received. */
  readonly raw: unknown;
  readonly reason: string;
  readonly batchId: number;
  /** Where it came from, when the input row says (a Kafka record: its topic, partition and offset). */
  readonly source?: { readonly topic?: string; readonly partition?: number; readonly offset?: number };
}

/** A (row, window) pair that arrived after the watermark passed the window's end. */
export interface LateRecord {
  readonly row: Row;
  readonly window: { start: number; end: number } | null;
  readonly watermarkMs: number;
  readonly batchId: number;
}

export interface StateOperatorProgress {
  operatorName: string;
  numRowsTotal: number;
  numRowsUpdated: number;
  numRowsRemoved: number;
  numRowsDroppedByWatermark: number;
  memoryUsedBytes: number;
  /** Operator-specific counts, as Spark's `customMetrics` (e.g. dedup's `numDroppedDuplicateRows`). */
  customMetrics?: Record<string, number>;
}

export class BatchContext {
  numRowsMalformed = 0;
  /** Quarantined records, keyed by the parse operator that produced them. */
  readonly deadLetters = new Map<number, MalformedRecord[]>();
  /** Late rows, keyed by the watermark operator whose column made them late. */
  readonly lateRows = new Map<number, LateRecord[]>();
  /** Event-time statistics per watermark operator id. */
  readonly eventTime = new Map<number, EventTimeStats>();
  readonly stateOperators: StateOperatorProgress[] = [];

  /** Adds another context's metrics and side outputs to this one (a batch run as several parts). */
  absorb(other: BatchContext): void {
    this.numRowsMalformed += other.numRowsMalformed;
    for (const [id, list] of other.deadLetters) this.sideOutput(this.deadLetters, id).push(...list);
    for (const [id, list] of other.lateRows) this.sideOutput(this.lateRows, id).push(...list);
    for (const [id, s] of other.eventTime) {
      const mine = this.eventTime.get(id);
      if (!mine) this.eventTime.set(id, { ...s });
      else {
        mine.min = Math.min(mine.min, s.min);
        mine.max = Math.max(mine.max, s.max);
        mine.sum += s.sum;
        mine.count += s.count;
      }
    }
    for (const op of other.stateOperators) {
      const mine = this.stateOperators.find((o) => o.operatorName === op.operatorName);
      if (!mine) this.stateOperators.push({ ...op });
      else {
        mine.numRowsTotal += op.numRowsTotal;
        mine.numRowsUpdated += op.numRowsUpdated;
        mine.numRowsRemoved += op.numRowsRemoved;
        mine.numRowsDroppedByWatermark += op.numRowsDroppedByWatermark;
        mine.memoryUsedBytes += op.memoryUsedBytes;
      }
    }
  }

  sideOutput<T>(map: Map<number, T[]>, id: number): T[] {
    let list = map.get(id);
    if (!list) map.set(id, (list = []));
    return list;
  }
}
