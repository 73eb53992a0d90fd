import { errors } from "../errors.js";
import type { Aggregator } from "../expr/aggregates.js";
import { bindAggregate } from "../expr/aggregates.js";
import type { SchemaFields } from "../expr/column.js";
import { Column } from "../expr/column.js";
import type { SessionWindowSpec, WindowSpec } from "../expr/window.js";
import type { DataType } from "../schema/types.js";
import { any, isEventTimeKind, windowType } from "../schema/types.js";
import type { JoinAnalysis } from "./analyze-join.js";
import { analyzeStreamJoin } from "./analyze-join.js";
import type { DedupAnalysis } from "./analyze-ops.js";
import { analyzeDedup, dropFields, renameFields, staticJoinFields } from "./analyze-ops.js";
import { requireColumn } from "./columns.js";
import type { AggregateNode, PlanNode, SourceNode } from "./nodes.js";
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
  /** For a stream-stream join: both sides, resolved. */
  readonly join?: JoinAnalysis;
  /** For a union or a stream-stream join: the other input's chain. */
  readonly other?: AnalyzedPlan;
}

export interface AnalyzedPlan {
  readonly nodes: readonly AnalyzedNode[];
  readonly fields: SchemaFields;
  readonly watermarks: readonly WatermarkInfo[];
  readonly aggregate?: AggregateAnalysis;
  /** Every source of the query, by id: the main chain's first, then the other inputs' in id order. */
  readonly sources: readonly { readonly id: number; readonly node: SourceNode }[];
  /** The watermarks in force on the output's columns. */
  readonly active: ReadonlyMap<string, WatermarkInfo>;
}

/**
 * Resolves every node's output columns and checks column names and types, so mistakes surface as clear
 * errors when the query starts, not as nulls in the middle of the night.
 */
export function analyze(root: PlanNode): AnalyzedPlan {
  const chain = lineage(root);
  return analyzeChain(chain, 0, { next: chain.length });
}

/**
 * One chain of nodes, ids from `base`. The other input of a union or join is a chain of its own,
 * numbered after every chain before it (`counter`): the main chain keeps ids 0..n-1 whatever it joins.
 */
function analyzeChain(chain: readonly PlanNode[], base: number, counter: { next: number }): AnalyzedPlan {
  const nodes: AnalyzedNode[] = [];
  const watermarks: WatermarkInfo[] = [];
  const sources: { id: number; node: SourceNode }[] = [];
  let active = new Map<string, WatermarkInfo>();
  let aggregate: AggregateAnalysis | undefined;
  let fields: SchemaFields = {};
  for (const [index, node] of chain.entries()) {
    const id = base + index;
    let dedup: DedupAnalysis | undefined;
    let join: JoinAnalysis | undefined;
    let other: AnalyzedPlan | undefined;
    switch (node.kind) {
      case "source":
        fields = { ...node.source.fields };
        sources.push({ id, node });
        break;
      case "union":
      case "streamJoin": {
        if (aggregate) throw errors.afterAggregation(node.kind === "union" ? "union" : "join");
        other = analyzeBranch(node.kind === "union" ? node.other : node.right, counter);
        if (other.aggregate) throw errors.afterAggregation(node.kind === "union" ? "union (the other stream)" : "join (the right stream)");
        watermarks.push(...other.watermarks);
        sources.push(...other.sources);
        if (node.kind === "union") checkUnion(fields, other.fields);
        else {
          join = analyzeStreamJoin(node, { fields, active }, { fields: other.fields, active: other.active });
          fields = join.fields;
          active = new Map([...other.active, ...active].filter(([c]) => Object.hasOwn(join!.fields, c)));
        }
        break;
      }
      case "parseJson": {
        const input = requireColumn(fields, node.column, "parseJson");
        if (!["string", "binary", "any"].includes(input.kind)) {
          throw errors.wrongColumnType(node.column, "parseJson", "string or binary", input.toString());
        }
        const out: Record<string, DataType<unknown>> = Object.create(null);
        for (const k of node.keep) out[k] = requireColumn(fields, k, "parseJson({ keep })");
        const nullable = node.mode === "permissive";
        for (const [k, t] of Object.entries(node.schema.fields)) {
          if (Object.hasOwn(out, k)) throw errors.duplicateColumn(k, "parseJson (a kept column has the name of a parsed field)");
          out[k] = nullable && !t.isNullable ? t.nullable() : t;
        }
        fields = out;
        active = new Map();
        break;
      }
      case "select": {
        const out: Record<string, DataType<unknown>> = Object.create(null);
        for (const c of node.columns) {
          if (Object.hasOwn(out, c)) throw errors.duplicateColumn(c, "select");
          out[c] = requireColumn(fields, c, "select");
        }
        fields = out;
        active = new Map([...active].filter(([c]) => Object.hasOwn(out, c)));
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
        const out: Record<string, DataType<unknown>> = Object.create(null);
        for (const k of node.keys) {
          const name = typeof k === "string" ? k : k.name;
          if (Object.hasOwn(out, name)) throw errors.duplicateColumn(name, "groupBy");
          out[name] = typeof k === "string" ? fields[k]! : windowType();
        }
        for (const a of aggregate.aggregators) {
          if (Object.hasOwn(out, a.name)) throw errors.duplicateColumn(a.name, "agg (rename it with .as(...))");
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
    nodes.push({ id, node, fields, ...(dedup ? { dedup } : {}), ...(join ? { join } : {}), ...(other ? { other } : {}) });
  }
  return { nodes, fields, watermarks, aggregate, sources, active };
}

function analyzeBranch(root: PlanNode, counter: { next: number }): AnalyzedPlan {
  const chain = lineage(root);
  const base = counter.next;
  counter.next += chain.length;
  return analyzeChain(chain, base, counter);
}

/** Spark's union: by position, the same columns and types on both sides. */
function checkUnion(left: SchemaFields, right: SchemaFields): void {
  const l = Object.entries(left);
  const r = Object.entries(right);
  for (let i = 0; i < Math.max(l.length, r.length); i++) {
    const [ln, lt] = l[i] ?? [];
    const [rn, rt] = r[i] ?? [];
    if (ln !== rn || lt?.toString() !== rt?.toString())
      throw errors.badOption(
        "union",
        `column ${i + 1}: ${ln ?? "(none)"} ${lt ?? ""} vs ${rn ?? "(none)"} ${rt ?? ""}`.trim(),
        "the same columns, in the same order, with the same types",
      );
  }
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
