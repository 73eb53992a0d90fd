import type { BatchContext, Row } from "../batch/micro-batch.js";
import { inputsOf } from "../batch/micro-batch.js";
import type { PhysicalPlan } from "../operators/compile.js";
import type { Offset } from "../sources/source.js";
import type { StateStore } from "../state/state-store.js";
import { BatchPipeline } from "./batch-pipeline.js";
import type { WatermarkTracker } from "./watermark-tracker.js";

/**
 * How the micro-batch loop runs a batch's rows through the query's operators, and keeps the
 * watermark: one pipeline for the whole input (`SinglePipeline`), or one per input partition whose
 * state moves with the partition (`ShardedOperators`).
 */
export interface OperatorRunner {
  /** The watermark in force for the next batch (progress, offsets log). */
  readonly watermarkMs: number;
  readonly watermarkEnabled: boolean;
  /** Each watermark operator's proposal, as the offsets and commit logs record it. */
  watermarkSnapshot(): Record<string, number>;
  /** Prepares what the runner needs once the source is open (a sharded runner's logs). */
  open?(): Promise<void>;
  /** Restores the watermark a replayed batch ran with (from the offsets log). */
  restoreWatermark(watermarkMs: number, perOperator: Record<string, number>): void;
  /** Runs batch `batchId` (`rows`, read up to `end`) with the watermark in force; the rows to emit. */
  run(batchId: number, rows: Row[], end: Offset, ctx: BatchContext): Promise<Row[]>;
  /** After the sink took the batch: make its state changes durable where they live (a sharded runner's logs). */
  commitState?(batchId: number): Promise<void>;
  /** After the sink committed the batch: fold its event times into the watermark. */
  advance(ctx: BatchContext): void;
  /** Whether state exists that the watermark expires, so a batch without new data is due. */
  noDataBatchDue(): boolean;
  close(): void;
}

/** The query's operators as one long-lived pipeline over all input, with one global watermark (Spark's). */
export class SinglePipeline implements OperatorRunner {
  private readonly pipeline: BatchPipeline;

  constructor(
    private readonly physical: PhysicalPlan,
    private readonly watermark: WatermarkTracker,
    private readonly stores: readonly StateStore<unknown>[],
  ) {
    this.pipeline = new BatchPipeline(physical.operator);
  }

  get watermarkMs(): number {
    return this.watermark.watermarkMs;
  }

  get watermarkEnabled(): boolean {
    return this.watermark.enabled;
  }

  watermarkSnapshot(): Record<string, number> {
    return this.watermark.snapshot();
  }

  restoreWatermark(watermarkMs: number, perOperator: Record<string, number>): void {
    this.watermark.restore(watermarkMs, perOperator);
  }

  async run(batchId: number, rows: Row[], _end: Offset, ctx: BatchContext): Promise<Row[]> {
    const out = await this.pipeline.run({ batchId, rows, watermarkMs: this.watermark.watermarkMs, ctx, inputs: inputsOf(rows) });
    for (const store of this.stores) await store.persist?.();
    return out.rows;
  }

  advance(ctx: BatchContext): void {
    this.watermark.update(ctx);
  }

  noDataBatchDue(): boolean {
    return this.physical.stateful.some((op) => op.hasExpiredState(this.watermark.watermarkMs));
  }

  close(): void {
    this.pipeline.close();
  }
}
