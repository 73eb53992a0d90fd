import type { Offset } from "../sources/source.js";
import type { LogSerializer } from "./metadata-log.js";
import { parseJsonLine, splitVersioned } from "./metadata-log.js";

/**
 * `offsets/<N>`: written (and fsynced) BEFORE batch N runs, so a re-run of N reads exactly the same
 * data with exactly the same watermark. Format (after Spark's OffsetSeqLog):
 *
 *     v1
 *     {"batchWatermarkMs":15000,"batchTimestampMs":1730874341000,"operatorWatermarks":{"3":15000},"conf":{...}}
 *     <start offset as JSON>
 *     <end offset as JSON>
 */
export interface OffsetSeq {
  batchWatermarkMs: number;
  batchTimestampMs: number;
  /** Each watermark operator's own watermark, so the global one is recomputed the same way. */
  operatorWatermarks: Record<string, number>;
  /** Settings that must not change across restarts. */
  conf: Record<string, string>;
  start: Offset;
  end: Offset;
}

export const offsetSeqSerializer: LogSerializer<OffsetSeq> = {
  serialize: ({ start, end, ...meta }) => `v1\n${JSON.stringify(meta)}\n${JSON.stringify(start)}\n${JSON.stringify(end)}`,
  deserialize(text) {
    const [meta, start, end] = splitVersioned(text, 1);
    const m = parseJsonLine(meta, "batch metadata");
    if (typeof m?.batchWatermarkMs !== "number") throw new Error("batch metadata has no batchWatermarkMs");
    return {
      batchWatermarkMs: m.batchWatermarkMs,
      batchTimestampMs: Number(m.batchTimestampMs ?? 0),
      operatorWatermarks: m.operatorWatermarks ?? {},
      conf: m.conf ?? {},
      start: parseJsonLine(start, "start offset"),
      end: parseJsonLine(end, "end offset"),
    };
  },
};
