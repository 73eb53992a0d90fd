import type { OutputMode } from "../batch/output-mode.js";
import { errors } from "../errors.js";
import type { AnalyzedPlan } from "./analyze.js";

const MODES: readonly OutputMode[] = ["append", "update", "complete"];

/** Spark's output-mode rules (UnsupportedOperationChecker), checked when the query starts. */
export function validateOutputMode(plan: AnalyzedPlan, mode: OutputMode): void {
  if (!MODES.includes(mode)) throw errors.badOutputMode(mode);
  if (mode === "update" && hasStreamJoin(plan))
    throw errors.outputMode(
      mode,
      "Join between two streaming DataFrames/Datasets is not supported in Update output mode, only in Append output mode (as Spark).",
    );
  const agg = plan.aggregate;
  if (!agg) {
    if (mode === "complete") {
      throw errors.outputMode(
        mode,
        "complete mode needs a streaming aggregation (groupBy(...).agg(...)); use append for row-by-row output.",
      );
    }
    return;
  }
  if (mode === "append" && !agg.watermark) {
    throw errors.outputMode(
      mode,
      "append mode on an aggregation needs a watermark on the event-time column it groups by, so each group can be finalized: " +
        'add .withWatermark("<column>", "<delay>") before groupBy(window("<column>", ...)), or use "update" or "complete".',
    );
  }
  if (mode === "update" && agg.window?.kind === "session") {
    throw errors.outputMode(
      mode,
      "session windows support append and complete (as in Spark), because a merged session replaces earlier ones.",
    );
  }
}

function hasStreamJoin(plan: AnalyzedPlan): boolean {
  return plan.nodes.some((n) => n.node.kind === "streamJoin" || (n.other !== undefined && hasStreamJoin(n.other)));
}
