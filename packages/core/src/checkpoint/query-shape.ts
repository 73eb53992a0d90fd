import { errors } from "../errors.js";
import type { AnalyzedPlan } from "../plan/analyze.js";

/**
 * What a checkpoint's state and offsets depend on. A restart with a different shape is refused, naming
 * the field that changed. Stateless changes (filters, added columns) and watermark delays may change,
 * as in Spark.
 */
export interface QueryShape {
  source: string;
  groupingKeys: string[] | null;
  window: string | null;
  aggregates: string[] | null;
  /** Each deduplication's kind and key columns, in plan order (absent in checkpoints before them). */
  deduplications?: string[] | null;
  /** Each stream-stream join: type, keys, time range (absent in checkpoints before them). */
  joins?: string[] | null;
}

export function queryShape(plan: AnalyzedPlan, sourceIdentity: string): QueryShape {
  const agg = plan.aggregate;
  const w = agg?.window;
  const nodes = everyNode(plan);
  const joins = nodes.flatMap(({ join: j }) =>
    j
      ? [
          `${j.type}(${j.on.join(", ")})${j.timeRange ? ` ${j.timeRange.right} in ${j.timeRange.left} + [${j.timeRange.lowerMs}, ${j.timeRange.upperMs}] ms` : ""}`,
        ]
      : [],
  );
  const dedups = nodes.flatMap(({ dedup }) =>
    dedup ? [`${dedup.withinWatermark ? "dropDuplicatesWithinWatermark" : "dropDuplicates"}(${dedup.keyColumns.join(", ")})`] : [],
  );
  return {
    source: sourceIdentity,
    groupingKeys: agg ? [...agg.keyColumns] : null,
    window: !w
      ? null
      : w.kind === "window"
        ? `window(${w.column}, ${w.sizeMs}ms, ${w.slideMs}ms, ${w.startMs}ms)`
        : `sessionWindow(${w.column}, ${w.gapMs}ms)`,
    aggregates: agg ? agg.node.aggs.map((a) => `${a.kind}(${a.column ?? "*"}) as ${a.name}`) : null,
    deduplications: dedups.length > 0 ? dedups : null,
    joins: joins.length > 0 ? joins : null,
  };
}

const LABELS: Record<keyof QueryShape, string> = {
  source: "the source",
  groupingKeys: "the grouping keys",
  window: "the window",
  aggregates: "the aggregates",
  deduplications: "the deduplications",
  joins: "the stream-stream joins",
};

function everyNode(plan: AnalyzedPlan): AnalyzedPlan["nodes"][number][] {
  return plan.nodes.flatMap((n) => (n.other ? [n, ...everyNode(n.other)] : [n]));
}

export function checkShape(dir: string, recorded: QueryShape, current: QueryShape): void {
  for (const key of Object.keys(LABELS) as (keyof QueryShape)[]) {
    if (JSON.stringify(recorded[key] ?? null) !== JSON.stringify(current[key] ?? null)) {
      throw errors.incompatibleCheckpoint(dir, LABELS[key], recorded[key], current[key]);
    }
  }
}
