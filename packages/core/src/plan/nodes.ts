import type { OperatorFunction } from "rxjs";
import type { MicroBatch } from "../batch/micro-batch.js";
import type { AggExpr } from "../expr/aggregates.js";
import type { Column } from "../expr/column.js";
import type { SessionWindowSpec, WindowSpec } from "../expr/window.js";
import type { DataType, Fields } from "../schema/types.js";
import type { Sink } from "../sinks/sink.js";
import type { Source } from "../sources/source.js";

/**
 * The logical plan: plain nodes, each pointing at its child. The DSL builds them and never executes
 * anything; `analyze` resolves schemas and checks them; `compile` turns them into RxJS operators.
 */
export type PlanNode =
  | SourceNode
  | ParseJsonNode
  | SelectNode
  | FilterNode
  | WithColumnNode
  | WatermarkNode
  | AggregateNode
  | TransformNode
  | ExchangeInputNode
  | DeduplicateNode
  | RenameNode
  | DropNode
  | StaticJoinNode
  | UnionNode
  | StreamJoinNode;

export interface SourceNode {
  readonly kind: "source";
  readonly source: Source<any, any>;
  /** Upper bound on rows (offsets) per batch: Spark's `maxOffsetsPerTrigger`. */
  readonly maxOffsetsPerTrigger?: number;
}

/** Spark's `from_json`: malformed handling per Spark's parse modes, plus quarantine to a dead-letter sink. */
export type ParseMode = "permissive" | "dropMalformed" | "failFast" | "quarantine";

export interface ParseJsonNode {
  readonly kind: "parseJson";
  readonly child: PlanNode;
  readonly schema: DataType<unknown> & { fields: Fields };
  readonly column: string;
  readonly mode: ParseMode;
  /** The mode was not chosen (Spark's default, permissive): a sink may redirect malformed records (see `Sink.deadLetterSink`). */
  readonly defaultMode?: boolean;
  /** Input columns copied beside the parsed fields (e.g. Kafka's `timestamp`, `partition`). */
  readonly keep: readonly string[];
  readonly deadLetters?: Sink<any>;
}

export interface SelectNode {
  readonly kind: "select";
  readonly child: PlanNode;
  readonly columns: readonly string[];
}

export interface FilterNode {
  readonly kind: "filter";
  readonly child: PlanNode;
  readonly predicate: ((row: any) => unknown) | Column<unknown>;
}

export interface WithColumnNode {
  readonly kind: "withColumn";
  readonly child: PlanNode;
  readonly name: string;
  readonly expr: ((row: any) => unknown) | Column<unknown>;
  /** Declared type for function columns (unknown otherwise, checked at run time where it matters). */
  readonly type?: DataType<unknown>;
}

export interface WatermarkNode {
  readonly kind: "watermark";
  readonly child: PlanNode;
  readonly column: string;
  readonly delayMs: number;
  /** Where (row, window) pairs dropped as late go, instead of only being counted. */
  readonly lateRows?: Sink<any>;
}

export type GroupKey = string | WindowSpec | SessionWindowSpec;

export interface AggregateNode {
  readonly kind: "aggregate";
  readonly child: PlanNode;
  readonly keys: readonly GroupKey[];
  readonly aggs: readonly AggExpr[];
}

export interface TransformNode {
  readonly kind: "transform";
  readonly child: PlanNode;
  readonly operator: OperatorFunction<MicroBatch<any>, MicroBatch<any>>;
  /** Output schema when the operator changes the columns; the input schema otherwise. */
  readonly fields?: Fields;
  /** Names the transform in errors (default `#<n>`, its position among the query's transforms). */
  readonly name?: string;
}

/** Spark's `dropDuplicates` / `dropDuplicatesWithinWatermark`: the first row of each key passes. */
export interface DeduplicateNode {
  readonly kind: "dropDuplicates";
  readonly child: PlanNode;
  /** Key columns (none given: every column). */
  readonly columns: readonly string[] | undefined;
  /** Spark 3.5's `dropDuplicatesWithinWatermark`: a key is forgotten once the watermark passes its first event time + delay. */
  readonly withinWatermark: boolean;
}

export interface RenameNode {
  readonly kind: "withColumnRenamed";
  readonly child: PlanNode;
  readonly from: string;
  readonly to: string;
}

export interface DropNode {
  readonly kind: "drop";
  readonly child: PlanNode;
  readonly columns: readonly string[];
}

/** A bounded table on the other side of a stream-static join: rows, or a loader called once per batch. */
export interface StaticTable {
  readonly rows:
    | readonly Record<string, unknown>[]
    | (() => readonly Record<string, unknown>[] | Promise<readonly Record<string, unknown>[]>);
  readonly fields: Fields;
}

/** A stream joined with a static table on equal columns (Spark's stream-static join: no state). */
export interface StaticJoinNode {
  readonly kind: "staticJoin";
  readonly child: PlanNode;
  readonly right: StaticTable;
  readonly on: readonly string[];
  readonly type: "inner" | "leftOuter";
}

/** Spark's `union` of two streams: both inputs' rows, by position (same columns and types). */
export interface UnionNode {
  readonly kind: "union";
  readonly child: PlanNode;
  readonly other: PlanNode;
}

export type StreamJoinType = "inner" | "leftOuter" | "rightOuter" | "fullOuter" | "leftSemi";

/** `right[right]` between `left[left] + lowerMs` and `left[left] + upperMs`, inclusive. */
export interface TimeRange {
  readonly left: string;
  readonly right: string;
  readonly lowerMs: number;
  readonly upperMs: number;
}

/** Spark's stream-stream join: a symmetric hash join with both sides' rows in state. */
export interface StreamJoinNode {
  readonly kind: "streamJoin";
  readonly child: PlanNode;
  readonly right: PlanNode;
  readonly on: readonly string[];
  readonly type: StreamJoinType;
  readonly timeRange?: TimeRange;
}

/**
 * The second stage of a repartitioned stateful query (built by the runtime, never by the DSL): reads
 * the exchange's messages, skips chunks a replay wrote again, and yields the first stage's rows. Its
 * watermark on `column` is the lowest of the input partitions' watermarks, and each row is late
 * against the watermark its input partition's batch ran with.
 */
export interface ExchangeInputNode {
  readonly kind: "exchangeInput";
  readonly child: PlanNode;
  /** The first stage's output columns. */
  readonly fields: Fields;
  /** The event-time column the aggregation's watermark is on (none: the aggregation has none). */
  readonly column?: string;
  readonly lateRows?: Sink<any>;
}

/** Nodes from the source up to `node`, source first. */
export function lineage(node: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  for (let n: PlanNode | undefined = node; n; n = n.kind === "source" ? undefined : n.child) out.push(n);
  return out.reverse();
}
