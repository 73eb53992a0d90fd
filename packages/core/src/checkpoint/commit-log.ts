import type { LogSerializer } from "./metadata-log.js";
import { parseJsonLine, splitVersioned } from "./metadata-log.js";

/**
 * `commits/<N>`: written after the sink committed batch N. Its presence means "batch N is done".
 * Format (after Spark's CommitLog):
 *
 *     v1
 *     {"nextBatchWatermarkMs":15000,"operatorWatermarks":{"3":15000}}
 */
export interface CommitMetadata {
  /** The watermark batch N+1 will use. */
  nextBatchWatermarkMs: number;
  operatorWatermarks: Record<string, number>;
}

export const commitSerializer: LogSerializer<CommitMetadata> = {
  serialize: (c) => `v1\n${JSON.stringify(c)}`,
  deserialize(text) {
    const [line] = splitVersioned(text, 1);
    const c = parseJsonLine(line, "commit metadata");
    if (typeof c?.nextBatchWatermarkMs !== "number") throw new Error("commit metadata has no nextBatchWatermarkMs");
    return { nextBatchWatermarkMs: c.nextBatchWatermarkMs, operatorWatermarks: c.operatorWatermarks ?? {} };
  },
};
