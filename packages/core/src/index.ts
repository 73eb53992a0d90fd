// Schema and types

export type { LateRecord, MalformedRecord, MicroBatch, Row, StateOperatorProgress } from "./batch/micro-batch.js";
// Micro-batches: the vocabulary every layer shares
export { BatchContext } from "./batch/micro-batch.js";
export type { OutputMode } from "./batch/output-mode.js";
export { DataStreamWriter } from "./dsl/data-stream-writer.js";
export type { ReadStreamOptions } from "./dsl/read-stream.js";
// DSL
export { readStream } from "./dsl/read-stream.js";
export type { StaticRows } from "./dsl/static-frame.js";
export { StaticFrame, staticFrame } from "./dsl/static-frame.js";
export type { ParseJsonOptions, TransformOptions, WatermarkOptions } from "./dsl/stream-frame.js";
export { GroupedFrame, StreamFrame } from "./dsl/stream-frame.js";
export type { AggRow, GroupKeyOf, JoinedRow, KeysRow, NullableRow, WithColumn } from "./dsl/types.js";
export type { CoreErrorCode } from "./errors.js";
export { errorMessage, errorOf, SkpError } from "./errors.js";
export type { AggKind, AggValue } from "./expr/aggregates.js";
export { AggExpr, avg, count, first, last, max, mean, min, sum } from "./expr/aggregates.js";
export type { ColumnLike } from "./expr/column.js";
// Expressions
export { Column, col, lit } from "./expr/column.js";
export type { SessionWindowSpec, WindowSpec } from "./expr/window.js";
export { sessionWindow, window } from "./expr/window.js";
// Plan
export type { ParseMode, PlanNode } from "./plan/nodes.js";
export type { SourceProgress, StreamingQueryProgress } from "./runtime/progress.js";
export type { QueryStartedEvent, QueryTerminatedEvent, StreamingQueryListener } from "./runtime/query-listeners.js";
export { addQueryListener } from "./runtime/query-listeners.js";
export { activeQueries } from "./runtime/query-registry.js";
export type { WriterOptions } from "./runtime/start-query.js";
export type { EmittedBatch } from "./runtime/stream-execution.js";
// Runtime
export { StreamingQuery } from "./runtime/streaming-query.js";
export type { Trigger } from "./runtime/trigger.js";
export type { WatermarkPolicy } from "./runtime/watermark-tracker.js";
export type { Fields, Infer, Prettify, StructType, TypeName, TypeOf, WindowValue } from "./schema/types.js";
export { any, binary, boolean, DataType, double, int, long, string, struct, timestamp } from "./schema/types.js";
export type { ConsoleSinkOptions } from "./sinks/console-sink.js";
export { consoleSink } from "./sinks/console-sink.js";
export { foreachBatch } from "./sinks/foreach-batch.js";
export { formatTable } from "./sinks/format-table.js";
export type { MemorySink } from "./sinks/memory-sink.js";
export { memorySink } from "./sinks/memory-sink.js";
export type { BatchInfo, Sink } from "./sinks/sink.js";
export type { Exchange, ExchangeLayout, ExchangeMessage, ExchangeRow } from "./sources/exchange.js";
// Sources and sinks
export { MemoryStream } from "./sources/memory-stream.js";
export type { RateOffset, RateRow, RateSourceOptions } from "./sources/rate-source.js";
export { rateSource } from "./sources/rate-source.js";
export type { ShardBatch, ShardCommit, ShardInputs, ShardState, StateChange, StateSharding } from "./sources/sharded-state.js";
export type { Offset, ReadLimit, Source } from "./sources/source.js";
export { sameOffset } from "./sources/source.js";
export type { Duration } from "./util/duration.js";
// Utilities and errors
export { parseDuration } from "./util/duration.js";
export { formatTimestamp } from "./util/time.js";
