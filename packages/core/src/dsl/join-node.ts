import { errors } from "../errors.js";
import type { PlanNode, StreamJoinNode, StreamJoinType } from "../plan/nodes.js";
import type { Duration } from "../util/duration.js";
import { parseSignedDuration } from "../util/duration.js";

/** `right[right]` between `left[left] + lower` and `left[left] + upper`, inclusive; bounds may be negative. */
export interface JoinTimeRange<L, R> {
  left: keyof L & string;
  right: keyof R & string;
  lower: Duration;
  upper: Duration;
}

const TYPES: readonly StreamJoinType[] = ["inner", "leftOuter", "rightOuter", "fullOuter", "leftSemi"];

/** The plan node of `left.join(right, { on, type, timeRange })` between two streams. */
export function streamJoinNode(
  left: PlanNode,
  right: PlanNode,
  on: string[],
  type: string,
  range: JoinTimeRange<any, any> | undefined,
): StreamJoinNode {
  if (!TYPES.includes(type as StreamJoinType)) throw errors.badOption("join type", type, TYPES.map((t) => `"${t}"`).join(", "));
  const timeRange = range && {
    left: range.left,
    right: range.right,
    lowerMs: parseSignedDuration(range.lower, "join timeRange lower"),
    upperMs: parseSignedDuration(range.upper, "join timeRange upper"),
  };
  return { kind: "streamJoin", child: left, right, on, type: type as StreamJoinType, ...(timeRange ? { timeRange } : {}) };
}
