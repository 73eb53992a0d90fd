import type { Sink } from "../sinks/sink.js";

/** A `withWatermark` in force on a column. `id` identifies its operator in progress and side outputs. */
export interface WatermarkInfo {
  readonly id: number;
  readonly column: string;
  readonly delayMs: number;
  readonly lateRows?: Sink<any>;
  /**
   * A column holding each row's own watermark (after a repartition: its input partition's): a row is
   * late against the higher of it and the batch's.
   */
  readonly rowColumn?: string;
}

/** The hidden column an exchange's rows carry their input partition's watermark in. */
export const ROW_WATERMARK = "\u0000skp-watermark";
