import { errors } from "../errors.js";
import type { SchemaFields } from "../expr/column.js";
import type { DataType } from "../schema/types.js";
import { isEventTimeKind } from "../schema/types.js";
import { requireColumn } from "./columns.js";
import type { StreamJoinNode, StreamJoinType, TimeRange } from "./nodes.js";
import type { WatermarkInfo } from "./watermark-info.js";

/** One side of a stream-stream join, resolved. */
export interface JoinSide {
  /** Its columns other than the `on` columns, in order. */
  readonly columns: readonly string[];
  /** The watermark in force on this side's input: its rows at or below the watermark are late. */
  readonly watermark?: WatermarkInfo;
  /**
   * How this side's rows leave state, from the query's watermark: a row whose time column is at or
   * below `watermark + offsetMs` can match no future row of the other side (Spark's state watermark).
   */
  readonly eviction?: { readonly column: string; readonly offsetMs: number };
}

export interface JoinAnalysis {
  readonly on: readonly string[];
  readonly type: StreamJoinType;
  readonly timeRange?: TimeRange;
  readonly left: JoinSide;
  readonly right: JoinSide;
  /** Output columns: `on`, the left's others, the right's others (only the left's for leftSemi). */
  readonly fields: SchemaFields;
}

/**
 * Resolves a stream-stream join against both inputs, with Spark's rules (UnsupportedOperationChecker,
 * StreamingJoinHelper): an outer or semi join needs a watermark on the side whose rows may find no
 * match later and a time range bounding that side; without them the plan is refused with Spark's reason.
 */
export function analyzeStreamJoin(
  node: StreamJoinNode,
  left: { fields: SchemaFields; active: ReadonlyMap<string, WatermarkInfo> },
  right: { fields: SchemaFields; active: ReadonlyMap<string, WatermarkInfo> },
): JoinAnalysis {
  const { on, type, timeRange } = node;
  if (on.length === 0) throw errors.badOption("join", "on: []", "at least one column to join on");
  const out: Record<string, DataType<unknown>> = Object.create(null);
  for (const c of on) {
    out[c] = requireColumn(left.fields, c, "join (left)");
    requireColumn(right.fields, c, "join (right)");
  }
  const nullableLeft = type === "rightOuter" || type === "fullOuter";
  const nullableRight = type === "leftOuter" || type === "fullOuter";
  const leftColumns = Object.keys(left.fields).filter((c) => !on.includes(c));
  for (const c of leftColumns) out[c] = nullable(left.fields[c]!, nullableLeft);
  const rightColumns = type === "leftSemi" ? [] : Object.keys(right.fields).filter((c) => !on.includes(c));
  for (const c of rightColumns) {
    if (Object.hasOwn(out, c)) throw errors.duplicateColumn(c, "join (a column of both sides that is not joined on: rename one first)");
    out[c] = nullable(right.fields[c]!, nullableRight);
  }
  if (timeRange) {
    for (const [side, col] of [
      [left, timeRange.left],
      [right, timeRange.right],
    ] as const) {
      const t = requireColumn(side.fields, col, "join timeRange");
      if (!isEventTimeKind(t.kind)) throw errors.wrongColumnType(col, "join timeRange", "a timestamp (or epoch-ms long)", t.toString());
    }
    if (timeRange.lowerMs > timeRange.upperMs)
      throw errors.badOption("join timeRange", `${timeRange.lowerMs} > ${timeRange.upperMs} ms`, "lower <= upper");
  }
  // A left row can match a future right row (right time > watermark) only while left time + upper > watermark;
  // a right row a future left row only while right time > watermark + lower.
  const leftWm = timeRange ? left.active.get(timeRange.left) : undefined;
  const rightWm = timeRange ? right.active.get(timeRange.right) : undefined;
  const leftSide: JoinSide = {
    columns: leftColumns,
    watermark: [...left.active.values()][0],
    eviction: timeRange && rightWm ? { column: timeRange.left, offsetMs: -timeRange.upperMs } : undefined,
  };
  const rightSide: JoinSide = {
    columns: rightColumns,
    watermark: [...right.active.values()][0],
    eviction: timeRange && leftWm ? { column: timeRange.right, offsetMs: timeRange.lowerMs } : undefined,
  };
  const needsLeftBound = type === "leftOuter" || type === "fullOuter" || type === "leftSemi";
  const needsRightBound = type === "rightOuter" || type === "fullOuter";
  if ((needsLeftBound && !leftSide.eviction) || (needsRightBound && !rightSide.eviction)) {
    const sparkName = type === "leftSemi" ? "LeftSemi" : type[0]!.toUpperCase() + type.slice(1);
    throw errors.badOption(
      "join",
      type,
      `Stream-stream ${sparkName} join between two streaming DataFrame/Datasets is not supported without a watermark ` +
        "on the nullable side and an appropriate range condition (as Spark): give timeRange, and withWatermark on its columns",
    );
  }
  return { on, type, timeRange, left: leftSide, right: rightSide, fields: out };
}

function nullable(t: DataType<unknown>, yes: boolean): DataType<unknown> {
  return yes && !t.isNullable ? t.nullable() : t;
}
