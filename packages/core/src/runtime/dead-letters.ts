import type { AnalyzedPlan } from "../plan/analyze.js";
import type { Sink } from "../sinks/sink.js";

/**
 * A query writing to a sink that offers a dead-letter sink (a file sink): each `parseJson` given no
 * mode quarantines its malformed records there, instead of emitting Spark's rows of nulls into files
 * that other programs read. Every other plan is returned as it is.
 */
export function withSinkDeadLetters(plan: AnalyzedPlan, sink: Sink<any>): AnalyzedPlan {
  if (!plan.nodes.some(({ node }) => node.kind === "parseJson" && node.defaultMode)) return plan;
  const deadLetters = sink.deadLetterSink?.();
  if (!deadLetters) return plan;
  return {
    ...plan,
    nodes: plan.nodes.map((n) =>
      n.node.kind === "parseJson" && n.node.defaultMode ? { ...n, node: { ...n.node, mode: "quarantine" as const, deadLetters } } : n,
    ),
  };
}
