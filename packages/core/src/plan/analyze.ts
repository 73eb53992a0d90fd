import { errors } from "../errors.js";
import type { Aggregator } from "../expr/aggregates.js";
import { bindAggregate } from "../expr/aggregates.js";
import type { SchemaFields } from "../expr/column.js";
import { Column } from "../expr/column.js";
import type { SessionWindowSpec, WindowSpec } from "../expr/window.js";
import type { DataType } from "../schema/types.js";
import { any, isEventTimeKind, windowType } from "../schema/types.js";
import type { DedupAnalysis } from "./analyze-ops.js";
import { analyzeDedup, dropFields, renameFields, staticJoinFields } from "./analyze-ops.js";
import type { AggregateNode, PlanNode } from "./nodes.js";
import { lineage } from "./nodes.js";
import type { WatermarkInfo } from "./watermark-info.js";
import { ROW_WATERMARK } from "./watermark-info.js";

export type { WatermarkInfo } from "./watermark-info.js";
export { ROW_WATERMARK } from "./watermark-info.js";

/** An aggregation resolved against its input: bound aggregators and how its state is evicted. */
export interface AggregateAnalysis {
  readonly node: AggregateNode;
  readonly inputFields: SchemaFields;
  /** Plain grouping columns, in order. */
  readonly keyColumns: readonly string[];
  /** The event-time window key, if any. */
  readonly window?: WindowSpec | SessionWindowSpec;
  /** Output column order: keys (window in its position) then aggregates. */
  readonly outputOrder: readonly string[];
  readonly aggregators: readonly Aggregator[];
  /**
   * The watermark that bounds this aggregation's state: on the window's column, or on a plain grouping
   * column that is itself the event time. Without it, state is never evicted (and append is refused).
   */
  readonly watermark?: WatermarkInfo;
  /** Set when the watermark is on a plain grouping column: that key's value is the eviction time. */
  readonly watermarkKey?: string;
}

export interface AnalyzedNode {
  readonly id: number;
  readonly node: PlanNode;
  /** Columns this node outputs. */
  readonly fields: SchemaFields;
  /** For a deduplication: its keys, watermark and eviction. */
  readonly dedup?: DedupAnalysis;
}

export interface AnalyzedPlan {
  readonly nodes: readonly AnalyzedNode[];
  readonly fields: SchemaFields;
  readonly watermarks: readonly WatermarkInfo[];
  readonly aggregate?: AggregateAnalysis;
}

/**
 * Resolves every node's output columns and checks column names and types, so mistakes surface as clear
 * errors when the query starts, not as nulls in the middle of the night.
 */
export function analyze(root: PlanNode): AnalyzedPlan {
  const nodes: AnalyzedNode[] = [];
  const watermarks: WatermarkInfo[] = [];
  let active = new Map<string, WatermarkInfo>();
  let aggregate: AggregateAnalysis | undefined;
  let fields: SchemaFields = {};
  for (const [id, node] of lineage(root).entries()) {
    let dedup: DedupAnalysis | undefined;
    switch (node.kind) {
      case "source":
        fields = { ...node.source.fields };
        break;
      case "parseJson": {
        const input = requireColumn(fields, node.column, "parseJson");
        if (!["string", "binary", "any"].includes(input.kind)) {
          throw errors.wrongColumnType(node.column, "parseJson", "string or binary", input.toString());
        }
        const out: Record<string, DataType<unknown>> = {};
        for (const k of node.keep) out[k] = requireColumn(fields, k, "parseJson({ keep })");
        const nullable = node.mode === "permissive";
        for (const [k, t] of Object.entries(node.schema.fields)) {
          if (k in out) throw errors.duplicateColumn(k, "parseJson (a kept column has the name of a parsed field)");
          out[k] = nullable && !t.isNullable ? t.nullable() : t;
        }
        fields = out;
        active = new Map();
        break;
      }
      case "select": {
        const out: Record<string, DataType<unknown>> = {};
        for (const c of node.columns) {
          if (c in out) throw errors.duplicateColumn(c, "select");
          out[c] = requireColumn(fields, c, "select");
        }
        fields = out;
        active = new Map([...active].filter(([c]) => c in out));
        break;
      }
      case "filter":
        if (node.predicate instanceof Column) node.predicate.bind(fields);
        break;
      case "withColumn": {
        const type = node.expr instanceof Column ? node.expr.bind(fields).type : (node.type ?? any());
        fields = { ...fields, [node.name]: type };
        active.delete(node.name);
        break;
      }
      case "watermark": {
        if (aggregate) throw errors.afterAggregation("withWatermark");
        const type = requireColumn(fields, node.column, "withWatermark");
        if (!isEventTimeKind(type.kind)) {
          throw errors.wrongColumnType(node.column, "withWatermark", "a timestamp (or epoch-ms long)", type.toString());
        }
        const info: WatermarkInfo = { id, column: node.column, delayMs: node.delayMs, lateRows: node.lateRows };
        watermarks.push(info);
        active.set(node.column, info);
        break;
      }
      case "aggregate": {
        if (aggregate) throw errors.multipleAggregations();
        aggregate = analyzeAggregate(node, fields, active);
        const out: Record<string, DataType<unknown>> = {};
        for (const k of node.keys) {
          const name = typeof k === "string" ? k : k.name;
          if (name in out) throw errors.duplicateColumn(name, "groupBy");
          out[name] = typeof k === "string" ? fields[k]! : windowType();
        }
        for (const a of aggregate.aggregators) {
          if (a.name in out) throw errors.duplicateColumn(a.name, "agg (rename it with .as(...))");
          out[a.name] = a.type;
        }
        fields = out;
        active = new Map();
        break;
      }
      case "transform":
        if (node.fields) fields = { ...node.fields };
        break;
      case "dropDuplicates":
        if (aggregate) throw errors.afterAggregation(node.withinWatermark ? "dropDuplicatesWithinWatermark" : "dropDuplicates");
        dedup = analyzeDedup(node, fields, active);
        break;
      case "withColumnRenamed": {
        fields = renameFields(node, fields);
        const info = active.get(node.from);
        active.delete(node.from);
        if (info) active.set(node.to, { ...info, column: node.to });
        break;
      }
      case "drop":
        fields = dropFields(node, fields);
        for (const c of node.columns) active.delete(c);
        break;
      case "staticJoin":
        if (aggregate) throw errors.afterAggregation("join");
        fields = staticJoinFields(node, fields);
        break;
      case "exchangeInput": {
        fields = { ...node.fields };
        active = new Map();
        if (node.column !== undefined) {
          const info: WatermarkInfo = { id, column: node.column, delayMs: 0, lateRows: node.lateRows, rowColumn: ROW_WATERMARK };
          watermarks.push(info);
          active.set(node.column, info);
        }
        break;
      }
    }
    nodes.push(dedup ? { id, node, fields, dedup } : { id, node, fields });
  }
  return { nodes, fields, watermarks, aggregate };
}

function analyzeAggregate(node: AggregateNode, fields: SchemaFields, active: Map<string, WatermarkInfo>): AggregateAnalysis {
  const keyColumns: string[] = [];
  let window: WindowSpec | SessionWindowSpec | undefined;
  for (const k of node.keys) {
    if (typeof k === "string") {
      requireColumn(fields, k, "groupBy");
      keyColumns.push(k);
      continue;
    }
    if (window) throw errors.badOption("groupBy", `${window.name} and ${k.name}`, "at most one window or sessionWindow key");
    const type = requireColumn(fields, k.column, k.kind === "window" ? "window(...)" : "sessionWindow(...)");
    if (!isEventTimeKind(type.kind)) {
      throw errors.wrongColumnType(k.column, `${k.name}(...)`, "a timestamp (or epoch-ms long)", type.toString());
    }
    window = k;
  }
  if (node.aggs.length === 0) throw errors.badOption("agg", "(nothing)", "at least one aggregate such as count()");
  const aggregators = node.aggs.map((a) => bindAggregate(a, fields));
  let watermark = window ? active.get(window.column) : undefined;
  let watermarkKey: string | undefined;
  if (!watermark) {
    watermarkKey = keyColumns.find((k) => active.has(k));
    watermark = watermarkKey ? active.get(watermarkKey) : undefined;
  }
  const outputOrder = [...node.keys.map((k) => (typeof k === "string" ? k : k.name)), ...aggregators.map((a) => a.name)];
  return { node, inputFields: fields, keyColumns, window, outputOrder, aggregators, watermark, watermarkKey };
}

function requireColumn(fields: SchemaFields, column: string, where: string): DataType<unknown> {
  const type = fields[column];
  if (!type) throw errors.unknownColumn(column, where, Object.keys(fields));
  return type;
}
