import type { OutputMode } from "../batch/output-mode.js";
import type { Recovery } from "../checkpoint/checkpoint.js";
import { Checkpoint, FRESH } from "../checkpoint/checkpoint.js";
import { nodeFileSystem } from "../checkpoint/node-file-system.js";
import { queryShape } from "../checkpoint/query-shape.js";
import { errors } from "../errors.js";
import { compile, openStateStores, sideOutputsOf } from "../operators/compile.js";
import type { AnalyzedPlan } from "../plan/analyze.js";
import type { PlanNode, SourceNode } from "../plan/nodes.js";
import { lineage } from "../plan/nodes.js";
import { validateOutputMode } from "../plan/validate.js";
import type { Sink } from "../sinks/sink.js";
import { FileStateStoreProvider } from "../state/file-state-store.js";
import { memoryStateStoreProvider } from "../state/memory-state-store.js";
import type { StateStore, StateStoreProvider } from "../state/state-store.js";
import { parseDuration } from "../util/duration.js";
import { MicroBatchExecution } from "./micro-batch-execution.js";
import type { OperatorRunner } from "./operator-runner.js";
import { SinglePipeline } from "./operator-runner.js";
import { announce } from "./query-listeners.js";
import { register } from "./query-registry.js";
import { ShardedOperators } from "./sharded-operators.js";
import { StreamingQuery } from "./streaming-query.js";
import type { Trigger } from "./trigger.js";
import { resolveTrigger } from "./trigger.js";
import type { WatermarkPolicy } from "./watermark-tracker.js";
import { WatermarkTracker } from "./watermark-tracker.js";

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
  /**
   * How long a `transform` may hold a batch before the query fails naming it (a transform must emit
   * exactly one batch per input batch; one that dropped a batch would otherwise stall the query).
   * A duration; default 30 seconds.
   */
  transformTimeout: string | number;
}

export const WRITER_OPTIONS: readonly (keyof WriterOptions)[] = [
  "checkpointLocation",
  "minBatchesToRetain",
  "stateSnapshotInterval",
  "pollInterval",
  "watermarkPolicy",
  "transformTimeout",
];

/** Everything `writeStream` collected: what `start()` hands to the runtime. */
export interface QuerySpec {
  readonly plan: PlanNode;
  readonly analyzed: AnalyzedPlan;
  readonly outputMode: OutputMode;
  readonly trigger: Trigger | undefined;
  readonly name: string | null;
  readonly sink: Sink<any> | undefined;
  readonly options: Partial<WriterOptions>;
}

/**
 * Spark's `StreamingQueryManager.startQuery`: validates the query against its output mode, opens the
 * checkpoint (recovering where the last run stopped) and the state stores, compiles the plan to RxJS
 * operators and starts the micro-batch loop. Resolves once the query runs (its start offsets are
 * known); rejects with the cause if it cannot start.
 */
export async function startQuery<R>(spec: QuerySpec): Promise<StreamingQuery<R>> {
  const { analyzed, sink, name, options } = spec;
  if (!sink) throw errors.noSink();
  validateOutputMode(analyzed, spec.outputMode);
  const trigger = resolveTrigger(spec.trigger);
  const sourceNode = lineage(spec.plan)[0] as SourceNode;
  const policy = options.watermarkPolicy ?? "min";
  if (policy !== "min" && policy !== "max") throw errors.badOption("watermarkPolicy", policy, '"min" or "max"');
  const retainBatches = positiveInt("minBatchesToRetain", options.minBatchesToRetain ?? 100);
  const snapshotInterval = positiveInt("stateSnapshotInterval", options.stateSnapshotInterval ?? 10);
  const pollIntervalMs = parseDuration(options.pollInterval ?? 100, "option pollInterval");
  const transformTimeoutMs = parseDuration(options.transformTimeout ?? 30_000, "option transformTimeout");
  const conf = { watermarkPolicy: policy };
  const runId = crypto.randomUUID();
  const opened = await openCheckpoint(spec, sourceNode, conf, runId, snapshotInterval);
  const { checkpoint, recovery } = opened;
  // State whose source shards it (a Kafka consumer group) lives in the shards' logs, not the checkpoint.
  const sharding = analyzed.aggregate ? sourceNode.source.sharding?.() : undefined;
  let stores: Map<number, StateStore<any>> = new Map();
  try {
    if (!sharding) stores = await openStateStores(analyzed, opened.provider, recovery.nextBatchId);
  } catch (e) {
    await checkpoint?.close();
    throw e;
  }
  const compileOptions = { transformTimeoutMs };
  const runner: OperatorRunner = sharding
    ? new ShardedOperators({ analyzed, outputMode: spec.outputMode, compile: compileOptions, watermarkPolicy: policy, sharding })
    : new SinglePipeline(compile(analyzed, spec.outputMode, stores, compileOptions), new WatermarkTracker(analyzed.watermarks, policy), [
        ...stores.values(),
      ]);
  const id = checkpoint?.queryId ?? crypto.randomUUID();
  const execution = new MicroBatchExecution({
    id,
    runId,
    name,
    checkpoint,
    recovery,
    conf,
    retainBatches,
    stateStores: [...stores.values()],
    source: sourceNode.source,
    sink,
    analyzed,
    runner,
    sideOutputs: sideOutputsOf(analyzed),
    outputMode: spec.outputMode,
    trigger,
    maxRowsPerTrigger: sourceNode.maxOffsetsPerTrigger,
    pollIntervalMs,
  });
  await execution.ready;
  // A query that could not even start (e.g. its source is unreachable) rejects here, with the cause.
  if (execution.startupError) throw execution.startupError;
  const query = new StreamingQuery<R>(id, runId, name, execution);
  register(query, execution.finished);
  announce(query, execution.finished);
  return query;
}

interface OpenedCheckpoint {
  checkpoint: Checkpoint | undefined;
  recovery: Recovery;
  provider: StateStoreProvider;
}

/** Without `checkpointLocation`: a fresh start with state in memory. With it: recovery and state files. */
async function openCheckpoint(
  spec: QuerySpec,
  sourceNode: SourceNode,
  conf: Record<string, string>,
  runId: string,
  snapshotInterval: number,
): Promise<OpenedCheckpoint> {
  const location = spec.options.checkpointLocation;
  if (location === undefined) return { checkpoint: undefined, recovery: FRESH, provider: memoryStateStoreProvider };
  if (typeof location !== "string" || location === "") throw errors.badOption("checkpointLocation", location, "a directory path");
  const fs = nodeFileSystem();
  const source = sourceNode.source;
  const shape = queryShape(spec.analyzed, source.identity ?? source.description);
  const checkpoint = await Checkpoint.open(fs, location, shape, `query ${spec.name ?? runId}`);
  try {
    const recovery = await checkpoint.recover(conf);
    return { checkpoint, recovery, provider: new FileStateStoreProvider(fs, checkpoint.stateRoot, snapshotInterval) };
  } catch (e) {
    await checkpoint.close();
    throw e;
  }
}

function positiveInt(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw errors.badOption(option, value, "a positive integer");
  return value;
}
