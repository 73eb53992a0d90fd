import type { BatchContext } from "../batch/micro-batch.js";
import type { WatermarkInfo } from "../plan/analyze.js";

/** How several watermarked inputs combine: Spark's `spark.sql.streaming.multipleWatermarkPolicy`. */
export type WatermarkPolicy = "min" | "max";

/**
 * Spark's WatermarkTracker. At the end of each batch, every watermark operator that saw event times
 * proposes `max event time − delay`; the global watermark is the min (or max) of the proposals and
 * never moves back. The batch after uses it.
 */
export class WatermarkTracker {
  private current = 0;
  private readonly perOperator = new Map<number, number>();

  constructor(
    private readonly watermarks: readonly WatermarkInfo[],
    private readonly policy: WatermarkPolicy = "min",
  ) {}

  get watermarkMs(): number {
    return this.current;
  }

  get enabled(): boolean {
    return this.watermarks.length > 0;
  }

  /** Restores the watermark recorded for a batch (offsets log), e.g. on restart. */
  restore(watermarkMs: number, perOperator: Record<string, number> = {}): void {
    this.current = watermarkMs;
    this.perOperator.clear();
    for (const [id, wm] of Object.entries(perOperator)) this.perOperator.set(Number(id), wm);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.perOperator);
  }

  /** Folds a finished batch's event times in; returns true when the global watermark advanced. */
  update(ctx: BatchContext): boolean {
    for (const w of this.watermarks) {
      const stats = ctx.eventTime.get(w.id);
      if (!stats) {
        // As Spark: an operator that has seen no data yet counts as 0, so with several inputs (a union,
        // a join) the watermark waits for all of them (min policy) instead of racing ahead on one.
        if (!this.perOperator.has(w.id)) this.perOperator.set(w.id, 0);
        continue;
      }
      const proposal = stats.max - w.delayMs;
      const prev = this.perOperator.get(w.id);
      if (prev === undefined || proposal > prev) this.perOperator.set(w.id, proposal);
    }
    if (this.perOperator.size === 0) return false;
    const values = [...this.perOperator.values()];
    const global = this.policy === "min" ? Math.min(...values) : Math.max(...values);
    if (global > this.current) {
      this.current = global;
      return true;
    }
    return false;
  }
}
