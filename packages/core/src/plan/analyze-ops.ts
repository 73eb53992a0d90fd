import { errors } from "../errors.js";
import type { SchemaFields } from "../expr/column.js";
import type { DataType } from "../schema/types.js";
import { requireColumn } from "./columns.js";
import type { DeduplicateNode, DropNode, RenameNode, StaticJoinNode } from "./nodes.js";
import type { WatermarkInfo } from "./watermark-info.js";

/** A deduplication resolved against its input (Spark's StreamingDeduplicateExec and its 3.5 sibling). */
export interface DedupAnalysis {
  readonly keyColumns: readonly string[];
  /** The watermark in force on the input: rows at or below it are late, dropped and counted. */
  readonly watermark?: WatermarkInfo;
  /**
   * How a key leaves state: `dropDuplicates` forgets a key once the watermark passes its event-time
   * column (only when that column is a key); `dropDuplicatesWithinWatermark` once the watermark passes
   * the key's first event time + the delay.
   */
  readonly eviction:
    | { readonly kind: "keyColumn"; readonly column: string }
    | { readonly kind: "expiry"; readonly column: string; readonly delayMs: number }
    | null;
  readonly withinWatermark: boolean;
}

export function analyzeDedup(node: DeduplicateNode, fields: SchemaFields, active: ReadonlyMap<string, WatermarkInfo>): DedupAnalysis {
  const verb = node.withinWatermark ? "dropDuplicatesWithinWatermark" : "dropDuplicates";
  const keyColumns = node.columns ?? Object.keys(fields);
  if (keyColumns.length === 0) throw errors.badOption(verb, "[]", "at least one column");
  for (const c of keyColumns) requireColumn(fields, c, verb);
  const watermarks = [...active.values()];
  const watermark = watermarks[0];
  if (!node.withinWatermark) {
    const column = keyColumns.find((c) => active.has(c));
    return { keyColumns, watermark, eviction: column ? { kind: "keyColumn", column } : null, withinWatermark: false };
  }
  // As Spark: the input must have exactly one event-time column with a watermark.
  if (!watermark)
    throw errors.badOption(
      verb,
      "a stream without a watermark",
      'a watermark on the event time first: .withWatermark("<column>", "<delay>")',
    );
  if (watermarks.length > 1)
    throw errors.badOption(verb, `watermarks on ${watermarks.map((w) => w.column).join(", ")}`, "one event-time column with a watermark");
  return {
    keyColumns,
    watermark,
    eviction: { kind: "expiry", column: watermark.column, delayMs: watermark.delayMs },
    withinWatermark: true,
  };
}

export function renameFields(node: RenameNode, fields: SchemaFields): SchemaFields {
  const type = requireColumn(fields, node.from, "withColumnRenamed");
  if (node.to !== node.from && Object.hasOwn(fields, node.to)) throw errors.duplicateColumn(node.to, "withColumnRenamed");
  const out: Record<string, DataType<unknown>> = Object.create(null);
  for (const [k, t] of Object.entries(fields)) out[k === node.from ? node.to : k] = t;
  out[node.to] = type;
  return out;
}

export function dropFields(node: DropNode, fields: SchemaFields): SchemaFields {
  for (const c of node.columns) requireColumn(fields, c, "drop");
  const out: Record<string, DataType<unknown>> = Object.create(null);
  for (const [k, t] of Object.entries(fields)) if (!node.columns.includes(k)) out[k] = t;
  return out;
}

/** Output columns of a stream-static join: the `on` columns, the stream's others, then the table's (nullable for leftOuter). */
export function staticJoinFields(node: StaticJoinNode, left: SchemaFields): SchemaFields {
  const right = node.right.fields;
  if (node.on.length === 0) throw errors.badOption("join", "on: []", "at least one column to join on");
  const out: Record<string, DataType<unknown>> = Object.create(null);
  for (const c of node.on) {
    out[c] = requireColumn(left, c, "join (the stream)");
    requireColumn(right, c, "join (the static table)");
  }
  for (const [k, t] of Object.entries(left)) if (!node.on.includes(k)) out[k] = t;
  for (const [k, t] of Object.entries(right)) {
    if (node.on.includes(k)) continue;
    if (Object.hasOwn(out, k)) throw errors.duplicateColumn(k, "join (a column of both sides that is not joined on: rename one first)");
    out[k] = node.type === "leftOuter" && !t.isNullable ? t.nullable() : t;
  }
  return out;
}
