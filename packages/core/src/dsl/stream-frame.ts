import type { OperatorFunction } from "rxjs";
import type { LateRecord, MalformedRecord, MicroBatch } from "../batch/micro-batch.js";
import { errors } from "../errors.js";
import type { AggExpr } from "../expr/aggregates.js";
import { count } from "../expr/aggregates.js";
import type { Column } from "../expr/column.js";
import type { AnalyzedPlan } from "../plan/analyze.js";
import { analyze } from "../plan/analyze.js";
import type { GroupKey, ParseMode, PlanNode, StreamJoinType } from "../plan/nodes.js";
import type { Fields, Infer, Prettify } from "../schema/types.js";
import { DataType } from "../schema/types.js";
import type { Sink } from "../sinks/sink.js";
import type { Duration } from "../util/duration.js";
import { parseDuration } from "../util/duration.js";
import { DataStreamWriter } from "./data-stream-writer.js";
import type { JoinTimeRange } from "./join-node.js";
import { streamJoinNode } from "./join-node.js";
import { StaticFrame } from "./static-frame.js";
import type { AggRow, GroupKeyOf, JoinedRow, KeysRow, NullableRow, StreamJoinedRow, WithColumn } from "./types.js";

export interface ParseJsonOptions<K extends string, M extends ParseMode> {
  /** What to do with malformed records (always counted in `numRowsMalformed`). Default `"permissive"`: a row of nulls. */
  mode?: M;
  /** Input column holding the JSON text or bytes. Default `"value"` (Kafka's). */
  column?: string;
  /** Input columns to keep beside the parsed fields, e.g. Kafka's `["timestamp", "partition"]`. */
  keep?: readonly K[];
  /** With mode `"quarantine"`: where malformed records go, with their raw value and reason. */
  deadLetters?: Sink<MalformedRecord>;
}

export interface WatermarkOptions {
  /** Capture (row, window) pairs dropped as late here instead of only counting them. */
  lateRows?: Sink<LateRecord>;
}

export interface TransformOptions {
  /** The output columns, when the operator changes them (the input columns otherwise). */
  fields?: Fields;
  /** Names the transform in errors. Default `#<n>`: its position among the query's transforms. */
  name?: string;
}

/** `fields` maps column names to data types; options hold none (`{}` reads as options). */
function isTransformOptions(value: TransformOptions | Fields | undefined): value is TransformOptions {
  return value !== undefined && Object.values(value).every((v) => !(v instanceof DataType));
}

type ParsedRow<R, S, K extends keyof R, M> = Prettify<Pick<R, K> & (M extends "permissive" ? NullableRow<Infer<S>> : Infer<S>)>;

/**
 * A streaming DataFrame (Spark's `DataFrame` with `isStreaming`): every method returns a new frame
 * over a larger logical plan and checks it at once, so a wrong column name fails on the line that
 * wrote it. Nothing runs until `writeStream...start()`.
 */
export class StreamFrame<R extends object> {
  /** The resolved plan: output columns, watermarks, aggregation. */
  readonly analyzed: AnalyzedPlan;

  constructor(readonly plan: PlanNode) {
    this.analyzed = analyze(plan);
  }

  /** Output columns and their types. */
  get schema(): Fields {
    return this.analyzed.fields;
  }

  /** Keeps the named columns, in order. */
  select<K extends keyof R & string>(...columns: K[]): StreamFrame<Prettify<Pick<R, K>>> {
    return new StreamFrame({ kind: "select", child: this.plan, columns });
  }

  /** Keeps rows for which the predicate holds (a Column predicate that is null drops the row, as in SQL). */
  filter(predicate: ((row: R) => unknown) | Column<boolean | null>): StreamFrame<R> {
    return new StreamFrame({ kind: "filter", child: this.plan, predicate });
  }

  /** Alias of {@link filter}. */
  where(predicate: ((row: R) => unknown) | Column<boolean | null>): StreamFrame<R> {
    return this.filter(predicate);
  }

  /**
   * Adds or replaces a column computed by a function of the row or by a Column expression. A function
   * column's type is unknown to the planner unless given as `type`.
   *
   * @example frame.withColumn("eventTime", (r) => r.value * 1000)
   * @example frame.withColumn("doubled", col("value").multiply(2))
   */
  withColumn<N extends string, V>(name: N, expr: Column<V>): StreamFrame<WithColumn<R, N, V>>;
  withColumn<N extends string, V>(name: N, expr: (row: R) => V, type?: DataType<V>): StreamFrame<WithColumn<R, N, V>>;
  withColumn(name: string, expr: ((row: R) => unknown) | Column<unknown>, type?: DataType<unknown>): StreamFrame<any> {
    return new StreamFrame({ kind: "withColumn", child: this.plan, name, expr, type });
  }

  /**
   * Declares `column` as event time with a lateness bound: after each batch the watermark becomes
   * `max(watermark, max event time − delay)`, and the next batch finalizes windows ending at or before it.
   */
  withWatermark(column: keyof R & string, delay: Duration, options: WatermarkOptions = {}): StreamFrame<R> {
    const delayMs = parseDuration(delay, `withWatermark("${column}") delay`);
    return new StreamFrame({ kind: "watermark", child: this.plan, column, delayMs, lateRows: options.lateRows });
  }

  /**
   * Parses a JSON column into the schema's fields (Spark's `from_json`). Malformed records never crash
   * the query: they are counted and, by `mode`, become a row of nulls (`permissive`, default), are dropped
   * (`dropMalformed`), go to `deadLetters` (`quarantine`), or fail the query (`failFast`).
   */
  parseJson<S extends DataType<unknown> & { fields: Fields }, K extends keyof R & string = never, M extends ParseMode = "permissive">(
    schema: S,
    options: ParseJsonOptions<K, M> = {},
  ): StreamFrame<ParsedRow<R, S, K, M>> {
    const { mode = "permissive" as M, column = "value", keep = [], deadLetters } = options;
    if (!["permissive", "dropMalformed", "failFast", "quarantine"].includes(mode)) {
      throw errors.badOption("mode", mode, '"permissive", "dropMalformed", "failFast" or "quarantine"');
    }
    if (mode === "quarantine" && !deadLetters) {
      throw errors.badOption(
        "deadLetters",
        undefined,
        'a sink for mode "quarantine" (e.g. memorySink()), so malformed records are kept, not lost',
      );
    }
    const defaultMode = options.mode === undefined && deadLetters === undefined;
    return new StreamFrame({ kind: "parseJson", child: this.plan, schema, column, mode, keep, deadLetters, defaultMode });
  }

  /**
   * Groups by columns and at most one event-time window.
   *
   * @example frame.groupBy(window("ts", "10 seconds"), "id").agg(avg("value").as("avg_value"))
   */
  groupBy<const K extends readonly GroupKeyOf<R>[]>(...keys: K): GroupedFrame<R, KeysRow<R, K>> {
    return new GroupedFrame(this.plan, keys);
  }

  /**
   * Splices an RxJS operator over micro-batches into the plan. The operator is subscribed once per
   * query run, so stateful operators (`scan`, `pairwise`, `bufferCount`...) keep their state from batch
   * to batch; that state is not checkpointed (a restarted query begins it afresh). It must emit
   * exactly one batch for each batch it receives, in order, with the same `batchId` — to drop rows,
   * emit the batch with fewer rows; to add rows, emit one batch with all of them. A transform that
   * breaks the rule, throws, or completes fails the query with an error naming it. Pass `fields`
   * when it changes the columns, `name` to name it in errors.
   *
   * @example frame.transform(map((b) => ({ ...b, rows: b.rows.filter((r) => r.ok) })), { name: "onlyOk" })
   */
  transform<R2 extends object = R>(
    operator: OperatorFunction<MicroBatch<R>, MicroBatch<R2>>,
    options?: TransformOptions | Fields,
  ): StreamFrame<R2> {
    const { fields, name } = isTransformOptions(options) ? options : { fields: options, name: undefined };
    if (name !== undefined && (typeof name !== "string" || name === ""))
      throw errors.badOption("name", name, "a non-empty string naming the transform");
    return new StreamFrame({
      kind: "transform",
      child: this.plan,
      operator: operator as OperatorFunction<MicroBatch<any>, MicroBatch<any>>,
      fields,
      name,
    });
  }

  /**
   * Drops rows whose `columns` (default: all) equal an earlier row's (Spark's streaming
   * `dropDuplicates`). With a watermark, rows at or below it are late (dropped, counted); a key leaves
   * state once the watermark passes it only when the event-time column is one of `columns`.
   */
  dropDuplicates<K extends keyof R & string>(columns?: readonly K[]): StreamFrame<R> {
    return new StreamFrame({ kind: "dropDuplicates", child: this.plan, columns, withinWatermark: false });
  }

  /**
   * Spark 3.5's `dropDuplicatesWithinWatermark`: drops rows whose `columns` equal an earlier row's
   * within the watermark delay — a key is forgotten once the watermark passes its first event time +
   * the delay. Needs a watermark on the input; late rows are dropped and counted.
   */
  dropDuplicatesWithinWatermark<K extends keyof R & string>(columns?: readonly K[]): StreamFrame<R> {
    return new StreamFrame({ kind: "dropDuplicates", child: this.plan, columns, withinWatermark: true });
  }

  /** Renames a column, in place (a watermark on it follows it). */
  withColumnRenamed<F extends keyof R & string, T extends string>(from: F, to: T): StreamFrame<Prettify<Omit<R, F> & { [P in T]: R[F] }>> {
    return new StreamFrame({ kind: "withColumnRenamed", child: this.plan, from, to });
  }

  /** Removes columns. */
  drop<K extends keyof R & string>(...columns: K[]): StreamFrame<Prettify<Omit<R, K>>> {
    return new StreamFrame({ kind: "drop", child: this.plan, columns });
  }

  /**
   * Joins with a static table (Spark's stream-static join; no state; inner or leftOuter) or with another
   * stream (Spark's stream-stream join: inner, leftOuter, rightOuter, fullOuter, leftSemi; both sides
   * in state, evicted by the watermark and `timeRange` — outer and semi joins need both). Output
   * columns: `on`, then this side's others, then the other's (nullable on an outer join's other side);
   * a column of both sides that is not joined on is an error naming it.
   *
   * @example events.join(staticFrame(users, userSchema), { on: "id", type: "leftOuter" })
   * @example impressions.join(clicks, { on: "adId", type: "leftOuter",
   *   timeRange: { left: "impressionTime", right: "clickTime", lower: "0 seconds", upper: "1 hour" } })
   */
  join<S extends object, K extends keyof R & keyof S & string, T extends "inner" | "leftOuter" = "inner">(
    right: StaticFrame<S>,
    options: { on: K | readonly K[]; type?: T },
  ): StreamFrame<JoinedRow<R, S, K, T>>;
  join<S extends object, K extends keyof R & keyof S & string, T extends StreamJoinType = "inner">(
    right: StreamFrame<S>,
    options: { on: K | readonly K[]; type?: T; timeRange?: JoinTimeRange<R, S> },
  ): StreamFrame<StreamJoinedRow<R, S, K, T>>;
  join(
    right: StaticFrame<any> | StreamFrame<any>,
    options: { on: string | readonly string[]; type?: string; timeRange?: JoinTimeRange<any, any> },
  ): StreamFrame<any> {
    const on = typeof options.on === "string" ? [options.on] : [...options.on];
    const type = options.type ?? "inner";
    if (right instanceof StreamFrame) return new StreamFrame(streamJoinNode(this.plan, right.plan, on, type, options.timeRange));
    if (!(right instanceof StaticFrame)) throw errors.badOption("join", right, "a stream (StreamFrame) or a staticFrame(rows, schema)");
    if (type !== "inner" && type !== "leftOuter")
      throw errors.badOption("join type", type, '"inner" or "leftOuter" with a static table (as Spark)');
    return new StreamFrame({ kind: "staticJoin", child: this.plan, right: right.table, on, type });
  }

  /** The rows of both streams (Spark's `union`: by position; the same columns, in the same order, with the same types). */
  union(other: StreamFrame<R>): StreamFrame<R> {
    return new StreamFrame({ kind: "union", child: this.plan, other: other.plan });
  }

  /** Starts describing where and how results are written. */
  get writeStream(): DataStreamWriter<R> {
    return new DataStreamWriter<R>(this.plan, this.analyzed);
  }
}

/** The result of `groupBy(...)`: call `agg(...)` to get a frame back (Spark's `RelationalGroupedDataset`). */
export class GroupedFrame<R, KR> {
  constructor(
    private readonly child: PlanNode,
    private readonly keys: readonly GroupKey[],
  ) {}

  /**
   * Aggregates each group. Output columns: the keys (a window key becomes `window`/`session_window`
   * `{ start, end }`), then the aggregates by name.
   */
  agg<const A extends readonly AggExpr[]>(...aggs: A): StreamFrame<Prettify<KR & AggRow<R, A>>> {
    return new StreamFrame({ kind: "aggregate", child: this.child, keys: this.keys, aggs });
  }

  /** Rows per group, in column `count`. */
  count(): StreamFrame<Prettify<KR & { count: number }>> {
    return new StreamFrame({ kind: "aggregate", child: this.child, keys: this.keys, aggs: [count()] });
  }
}
