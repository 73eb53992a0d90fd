import { errors } from "../errors.js";
import { Checkpoint, FRESH } from "../checkpoint/checkpoint.js";
import { nodeFileSystem } from "../checkpoint/node-file-system.js";
import { queryShape } from "../checkpoint/query-shape.js";
import { compile, openStateStores } from "../operators/compile.js";
import { validateOutputMode } from "../plan/validate.js";
import type { SourceNode } from "../plan/nodes.js";
import { lineage } from "../plan/nodes.js";
import { MicroBatchExecution } from "../runtime/micro-batch-execution.js";
import { StreamingQuery } from "../runtime/streaming-query.js";
import { resolveTrigger } from "../runtime/trigger.js";
import type { Trigger } from "../runtime/trigger.js";
import type { WatermarkPolicy } from "../runtime/watermark-tracker.js";
import { foreachBatch as foreachBatchSink } from "../sinks/foreach-batch.js";
import type { BatchInfo, OutputMode, Sink } from "../sinks/sink.js";
import { FileStateStoreProvider } from "../state/file-state-store.js";
import { memoryStateStoreProvider } from "../state/memory-state-store.js";
import { parseDuration } from "../util/duration.js";
import type { StreamFrame } from "./stream-frame.js";

/** Options accepted by `writeStream.option(key, value)`. */
export interface WriterOptions {
  /**
   * Directory for the checkpoint: offsets and commit logs, state, query id. With it, a restarted query
   * resumes where it stopped and re-runs an interrupted batch exactly; without it, nothing survives.
   */
  checkpointLocation: string;
  /** Batches of offsets/commits logs (and the state to restart from them) kept. Default 100. */
  minBatchesToRetain: number;
  /** Write a full state snapshot every this many versions (deltas in between). Default 10. */
  stateSnapshotInterval: number;
  /** How the default trigger polls a source that cannot notify: a duration. Default 100 ms. */
  pollInterval: string | number;
  /** How several watermarks combine: `"min"` (default, as Spark) or `"max"`. */
  watermarkPolicy: WatermarkPolicy;
}

const KNOWN_OPTIONS = ["checkpointLocation", "minBatchesToRetain", "stateSnapshotInterval", "pollInterval", "watermarkPolicy"] as const;

/**
 * Spark's `DataStreamWriter`: output mode, trigger, options and sink, then `start()`.
 *
 * @example
 * const q = await frame.writeStream.outputMode("update").format(consoleSink()).start();
 */
export class DataStreamWriter<R extends object> {
  private mode: OutputMode = "append";
  private triggerSpec: Trigger | undefined;
  private name: string | null = null;
  private sink: Sink<any> | undefined;
  private readonly options: Partial<WriterOptions> = {};

  constructor(private readonly frame: StreamFrame<R>) {}

  /** `"append"` (default), `"update"` or `"complete"`; checked against the query at `start()`. */
  outputMode(mode: OutputMode): this {
    if (!["append", "update", "complete"].includes(mode)) throw errors.badOutputMode(mode);
    this.mode = mode;
    return this;
  }

  trigger(trigger: Trigger): this {
    resolveTrigger(trigger);
    this.triggerSpec = trigger;
    return this;
  }

  queryName(name: string): this {
    this.name = name;
    return this;
  }

  option<K extends keyof WriterOptions>(key: K, value: WriterOptions[K]): this {
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key)) {
      throw errors.badOption(String(key), value, `one of the known writeStream options: ${KNOWN_OPTIONS.join(", ")}`);
    }
    this.options[key] = value;
    return this;
  }

  /** Where rows go: `memorySink()`, `consoleSink()`, `foreachBatch(fn)`, or a plug-in sink. */
  format(sink: Sink<R>): this {
    this.sink = sink;
    return this;
  }

  /** Spark's `foreachBatch`: `fn(rows, batchId)` for each micro-batch. */
  foreachBatch(fn: (rows: readonly R[], batchId: number, info: BatchInfo) => void | Promise<void>): this {
    return this.format(foreachBatchSink(fn));
  }

  /** Validates the query against the output mode, compiles it to RxJS operators and starts running it. */
  async start(): Promise<StreamingQuery<R>> {
    if (!this.sink) throw errors.noSink();
    const analyzed = this.frame.analyzed;
    validateOutputMode(analyzed, this.mode);
    const trigger = resolveTrigger(this.triggerSpec);
    const sourceNode = lineage(this.frame.plan)[0] as SourceNode;
    const policy = this.options.watermarkPolicy ?? "min";
    if (policy !== "min" && policy !== "max") throw errors.badOption("watermarkPolicy", policy, '"min" or "max"');
    const retainBatches = positiveInt("minBatchesToRetain", this.options.minBatchesToRetain ?? 100);
    const snapshotInterval = positiveInt("stateSnapshotInterval", this.options.stateSnapshotInterval ?? 10);
    const pollIntervalMs = parseDuration(this.options.pollInterval ?? 100, "option pollInterval");
    const conf = { watermarkPolicy: policy };
    const runId = crypto.randomUUID();
    let checkpoint: Checkpoint | undefined;
    let recovery = FRESH;
    let provider = memoryStateStoreProvider;
    const location = this.options.checkpointLocation;
    if (location !== undefined) {
      if (typeof location !== "string" || location === "") throw errors.badOption("checkpointLocation", location, "a directory path");
      const fs = nodeFileSystem();
      const source = sourceNode.source;
      checkpoint = await Checkpoint.open(fs, location, queryShape(analyzed, source.identity ?? source.description), `query ${this.name ?? runId}`);
      try {
        recovery = await checkpoint.recover(conf);
      } catch (e) {
        await checkpoint.close();
        throw e;
      }
      provider = new FileStateStoreProvider(fs, checkpoint.stateRoot, snapshotInterval);
    }
    let stores;
    try {
      stores = await openStateStores(analyzed, provider, recovery.nextBatchId);
    } catch (e) {
      await checkpoint?.close();
      throw e;
    }
    const physical = compile(analyzed, this.mode, stores);
    const id = checkpoint?.queryId ?? crypto.randomUUID();
    const execution = new MicroBatchExecution({
      id, runId, name: this.name,
      checkpoint, recovery, conf, retainBatches,
      stateStores: [...stores.values()],
      source: sourceNode.source,
      sink: this.sink,
      analyzed, physical,
      outputMode: this.mode,
      trigger,
      maxRowsPerTrigger: sourceNode.maxOffsetsPerTrigger,
      watermarkPolicy: policy,
      pollIntervalMs,
    });
    await execution.ready;
    // A query that could not even start (e.g. its source is unreachable) rejects here, with the cause.
    if (execution.startupError) throw execution.startupError;
    return new StreamingQuery<R>(id, runId, this.name, execution);
  }
}

function positiveInt(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw errors.badOption(option, value, "a positive integer");
  return value;
}
