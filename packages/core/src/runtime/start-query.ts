import type { OutputMode } from "../batch/output-mode.js";
import { errors } from "../errors.js";
import { compile, openStateStores, sideOutputsOf, statefulNodes } from "../operators/compile.js";
import type { AnalyzedPlan } from "../plan/analyze.js";
import type { PlanNode, SourceNode } from "../plan/nodes.js";
import { lineage } from "../plan/nodes.js";
import { validateOutputMode } from "../plan/validate.js";
import type { Sink } from "../sinks/sink.js";
import { CompositeSource } from "../sources/composite-source.js";
import type { Source } from "../sources/source.js";
import type { StateStore } from "../state/state-store.js";
import { parseDuration } from "../util/duration.js";
import { withSinkDeadLetters } from "./dead-letters.js";
import type { QuerySettings } from "./launch.js";
import { executionSettings, launchExecution, openCheckpoint, publish } from "./launch.js";
import type { OperatorRunner } from "./operator-runner.js";
import { SinglePipeline } from "./operator-runner.js";
import { startRepartitioned } from "./repartition.js";
import { ShardedOperators } from "./sharded-operators.js";
import { StreamingQuery } from "./streaming-query.js";
import type { Trigger } from "./trigger.js";
import { describeTrigger, resolveTrigger } from "./trigger.js";
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
  /**
   * Where operator state lives: `"memory"` (the default; checkpointed as delta and snapshot files) or
   * `"disk"` (LMDB under the checkpoint, through the optional `lmdb` package: state larger than the
   * heap). Fixed for a checkpoint once it has run.
   */
  stateStore: "memory" | "disk";
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
  "stateStore",
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
  const { sink, name } = spec;
  if (!sink) throw errors.noSink();
  const analyzed = withSinkDeadLetters(spec.analyzed, sink);
  validateOutputMode(analyzed, spec.outputMode);
  const settings = resolveSettings(spec);
  const sourceNode = lineage(spec.plan)[0] as SourceNode;
  // State whose source shards it (a Kafka consumer group) lives in the shards' logs, not the checkpoint.
  const stateful = statefulNodes(analyzed);
  const input = inputOf(analyzed, stateful.length > 0);
  const sharding = stateful.length > 0 && !(input instanceof CompositeSource) ? input.sharding?.() : undefined;
  const exchange = sharding ? input.exchange?.() : undefined;
  if (exchange && stateful.some((n) => n.name.startsWith("dedup-")))
    throw errors.badOption(
      "dropDuplicates with a consumer group",
      "an input not declared co-partitioned",
      "the source declared coPartitioned (every row of a key through one partition): a deduplication is not repartitioned yet",
    );
  if (sharding && exchange)
    return startRepartitioned<R>(
      { ...spec, analyzed, sink, checkpointLocation: spec.options.checkpointLocation },
      settings,
      sharding,
      exchange,
    );
  const { runId, policy } = settings;
  const opened = await openCheckpoint(spec.options.checkpointLocation, analyzed, input, `query ${name ?? runId}`, settings);
  const { checkpoint, recovery } = opened;
  let stores: Map<number, StateStore<any>> = new Map();
  try {
    if (!sharding) stores = await openStateStores(analyzed, opened.provider, recovery.nextBatchId);
  } catch (e) {
    await checkpoint?.close();
    throw e;
  }
  const runner: OperatorRunner = sharding
    ? new ShardedOperators({ analyzed, outputMode: spec.outputMode, compile: settings.compile, watermarkPolicy: policy, sharding })
    : new SinglePipeline(compile(analyzed, spec.outputMode, stores, settings.compile), new WatermarkTracker(analyzed.watermarks, policy), [
        ...stores.values(),
      ]);
  const id = checkpoint?.queryId ?? crypto.randomUUID();
  const execution = await launchExecution({
    ...executionSettings(settings),
    id,
    name,
    checkpoint,
    recovery,
    stateStores: [...stores.values()],
    source: input,
    sink,
    analyzed,
    runner,
    sideOutputs: sideOutputsOf(analyzed),
    outputMode: spec.outputMode,
    maxRowsPerTrigger: input === sourceNode.source ? sourceNode.maxOffsetsPerTrigger : undefined,
    // A source that can shard (a consumer group) plans with its brokers: a round trip to make before a
    // batch's sink would delay the sink. Sources that plan locally plan the next batch ahead.
    planAhead: input.sharding === undefined,
  });
  return publish<R>(new StreamingQuery<R>(id, runId, name, execution, describeTrigger(settings.trigger)), execution.finished);
}

/**
 * The query's input: its source, or with several (a union, a stream-stream join) all of them as one.
 * State with several inputs stays in this process: a source whose partitions move between processes
 * (a consumer group) is refused there, as state could not move with them.
 */
function inputOf(analyzed: AnalyzedPlan, stateful: boolean): Source<any, any> {
  const { sources } = analyzed;
  if (sources.length === 1) return (sources[0] as { node: SourceNode }).node.source;
  if (stateful && sources.some(({ node }) => node.source.sharding?.()))
    throw errors.badOption(
      "a stateful query over several streams",
      "a source with a consumer group (groupId)",
      "sources without groupId: state of a join or union of streams cannot move between processes yet",
    );
  return new CompositeSource(sources.map(({ node }) => ({ source: node.source, maxRows: node.maxOffsetsPerTrigger })));
}

function resolveSettings(spec: QuerySpec): QuerySettings {
  const { options } = spec;
  const policy = options.watermarkPolicy ?? "min";
  if (policy !== "min" && policy !== "max") throw errors.badOption("watermarkPolicy", policy, '"min" or "max"');
  const stateStore = options.stateStore ?? "memory";
  if (stateStore !== "memory" && stateStore !== "disk") throw errors.badOption("stateStore", stateStore, '"memory" or "disk"');
  return {
    runId: crypto.randomUUID(),
    trigger: resolveTrigger(spec.trigger),
    policy,
    retainBatches: positiveInt("minBatchesToRetain", options.minBatchesToRetain ?? 100),
    snapshotInterval: positiveInt("stateSnapshotInterval", options.stateSnapshotInterval ?? 10),
    pollIntervalMs: parseDuration(options.pollInterval ?? 100, "option pollInterval"),
    compile: { transformTimeoutMs: parseDuration(options.transformTimeout ?? 30_000, "option transformTimeout") },
    stateStore,
    conf: { watermarkPolicy: policy, stateStore },
  };
}

function positiveInt(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw errors.badOption(option, value, "a positive integer");
  return value;
}
