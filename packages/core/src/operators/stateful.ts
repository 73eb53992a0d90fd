import type { OperatorFunction } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";

/** What keeps state across batches: the runtime asks it whether a no-data batch is due. */
export interface StateHolder {
  readonly name: string;
  /**
   * True when state exists that a batch under `watermarkMs` would emit or evict, so the runtime runs a
   * batch even without new input (Spark's no-data micro-batch).
   */
  hasExpiredState(watermarkMs: number): boolean;
}

/** A physical operator that keeps state across batches; the runtime asks it whether a no-data batch is due. */
export interface StatefulOperator extends StateHolder {
  readonly operator: OperatorFunction<MicroBatch<Row>, MicroBatch<Row>>;
}
