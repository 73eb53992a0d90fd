import type { BatchContext, StateOperatorProgress } from "../batch/micro-batch.js";
import { CompositeSource } from "../sources/composite-source.js";
import type { Offset, Source } from "../sources/source.js";
import { toIso } from "../util/time.js";

/** Spark's `SourceProgress`. */
export interface SourceProgress {
  description: string;
  startOffset: Offset;
  endOffset: Offset;
  latestOffset: Offset;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  metrics: Record<string, number | string>;
}

/** Spark's `StreamingQueryProgress`, after each batch (`query.lastProgress`). */
export interface StreamingQueryProgress {
  id: string;
  runId: string;
  name: string | null;
  /** ISO-8601 start time of the trigger. */
  timestamp: string;
  batchId: number;
  batchDuration: number;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  /** Rows that failed `parseJson` in this batch (nulled, dropped or quarantined per the parse mode). */
  numRowsMalformed: number;
  /** Time per phase: latestOffset, walCommit, getBatch, addBatch, commitOffsets, triggerExecution. */
  durationMs: Record<string, number>;
  /** min/max/avg event time of the batch and the watermark it used, as ISO-8601 strings. */
  eventTime: { min?: string; max?: string; avg?: string; watermark?: string };
  stateOperators: StateOperatorProgress[];
  sources: SourceProgress[];
  sink: { description: string; numOutputRows: number };
}

export interface ProgressInput {
  id: string;
  runId: string;
  name: string | null;
  batchId: number;
  triggerStartMs: number;
  previousTriggerStartMs: number | undefined;
  durationMs: Record<string, number>;
  ctx: BatchContext;
  numInputRows: number;
  numOutputRows: number;
  watermarkMs: number | undefined;
  /** Each source's part (one, unless the query has several inputs; `numInputRows` then each one's). */
  sources: readonly {
    description: string;
    startOffset: Offset;
    endOffset: Offset;
    latestOffset: Offset;
    metrics: Record<string, number | string>;
    numInputRows?: number;
  }[];
  sinkDescription: string;
}

export function buildProgress(p: ProgressInput): StreamingQueryProgress {
  const seconds = (ms: number) => Math.max(ms, 1) / 1000;
  const sinceLast = p.previousTriggerStartMs === undefined ? 0 : p.triggerStartMs - p.previousTriggerStartMs;
  const inputRate = sinceLast > 0 ? p.numInputRows / seconds(sinceLast) : 0;
  const processedRate = p.numInputRows / seconds(p.durationMs.triggerExecution ?? 0);
  return {
    id: p.id,
    runId: p.runId,
    name: p.name,
    timestamp: toIso(p.triggerStartMs),
    batchId: p.batchId,
    batchDuration: p.durationMs.triggerExecution ?? 0,
    numInputRows: p.numInputRows,
    inputRowsPerSecond: inputRate,
    processedRowsPerSecond: processedRate,
    numRowsMalformed: p.ctx.numRowsMalformed,
    durationMs: p.durationMs,
    eventTime: eventTime(p.ctx, p.watermarkMs),
    stateOperators: p.ctx.stateOperators.map((s) => ({ ...s })),
    sources: p.sources.map((s) => {
      const rows = s.numInputRows ?? p.numInputRows;
      return {
        ...s,
        numInputRows: rows,
        inputRowsPerSecond: sinceLast > 0 ? rows / seconds(sinceLast) : 0,
        processedRowsPerSecond: rows / seconds(p.durationMs.triggerExecution ?? 0),
      };
    }),
    sink: { description: p.sinkDescription, numOutputRows: p.numOutputRows },
  };
}

function eventTime(ctx: BatchContext, watermarkMs: number | undefined): StreamingQueryProgress["eventTime"] {
  const out: StreamingQueryProgress["eventTime"] = {};
  let min = Infinity,
    max = -Infinity,
    sum = 0,
    count = 0;
  for (const s of ctx.eventTime.values()) {
    min = Math.min(min, s.min);
    max = Math.max(max, s.max);
    sum += s.sum;
    count += s.count;
  }
  if (count > 0) {
    out.min = toIso(min);
    out.max = toIso(max);
    out.avg = toIso(Math.round(sum / count));
  }
  if (watermarkMs !== undefined) out.watermark = toIso(watermarkMs);
  return out;
}

/** Each source's part of a batch's progress: a composite source reports each of its inputs. */
export function sourcesProgress(source: Source<any, any>, start: Offset, end: Offset): ProgressInput["sources"] {
  if (source instanceof CompositeSource) return source.progress(start as Offset[], end as Offset[]);
  return [
    {
      description: source.description,
      startOffset: start,
      endOffset: end,
      latestOffset: source.reportLatestOffset?.() ?? end,
      metrics: source.metrics?.() ?? {},
    },
  ];
}
