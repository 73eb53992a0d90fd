import type { Recovery } from "../checkpoint/checkpoint.js";
import { Checkpoint, FRESH } from "../checkpoint/checkpoint.js";
import { nodeFileSystem } from "../checkpoint/node-file-system.js";
import { queryShape } from "../checkpoint/query-shape.js";
import { errors } from "../errors.js";
import type { CompileOptions } from "../operators/compile.js";
import type { AnalyzedPlan } from "../plan/analyze.js";
import type { Source } from "../sources/source.js";
import { DiskStateStoreProvider } from "../state/disk-state-provider.js";
import { FileStateStoreProvider } from "../state/file-state-store.js";
import { memoryStateStoreProvider } from "../state/memory-state-store.js";
import type { StateStoreProvider } from "../state/state-store.js";
import type { ExecutionConfig } from "./micro-batch-execution.js";
import { MicroBatchExecution } from "./micro-batch-execution.js";
import { announce } from "./query-listeners.js";
import { register } from "./query-registry.js";
import type { StreamingQuery } from "./streaming-query.js";
import type { ResolvedTrigger } from "./trigger.js";
import type { WatermarkPolicy } from "./watermark-tracker.js";

/** The writer's options, checked and resolved: what every execution of the query shares. */
export interface QuerySettings {
  readonly runId: string;
  readonly trigger: ResolvedTrigger;
  readonly policy: WatermarkPolicy;
  readonly retainBatches: number;
  readonly snapshotInterval: number;
  readonly pollIntervalMs: number;
  readonly stateStore: "memory" | "disk";
  readonly compile: CompileOptions;
  /** Settings recorded in every offsets entry. */
  readonly conf: Record<string, string>;
}

export interface OpenedCheckpoint {
  checkpoint: Checkpoint | undefined;
  recovery: Recovery;
  provider: StateStoreProvider;
}

/** Without a location: a fresh start with state in memory. With one: recovery and state files. */
export async function openCheckpoint(
  location: unknown,
  analyzed: AnalyzedPlan,
  source: Source<any, any>,
  owner: string,
  settings: QuerySettings,
): Promise<OpenedCheckpoint> {
  if (location === undefined) {
    const provider = settings.stateStore === "disk" ? new DiskStateStoreProvider(undefined) : memoryStateStoreProvider;
    return { checkpoint: undefined, recovery: FRESH, provider };
  }
  if (typeof location !== "string" || location === "") throw errors.badOption("checkpointLocation", location, "a directory path");
  const fs = nodeFileSystem();
  const shape = queryShape(analyzed, source.identity ?? source.description);
  const checkpoint = await Checkpoint.open(fs, location, shape, owner);
  try {
    const recovery = await checkpoint.recover(settings.conf);
    const provider =
      settings.stateStore === "disk"
        ? new DiskStateStoreProvider({ fs: checkpoint.fs, root: checkpoint.stateRoot })
        : new FileStateStoreProvider(checkpoint.fs, checkpoint.stateRoot, settings.snapshotInterval);
    return { checkpoint, recovery, provider };
  } catch (e) {
    await checkpoint.close();
    throw e;
  }
}

/** Starts a micro-batch execution and waits until it runs; rejects with the cause if it cannot start. */
export async function launchExecution(config: ExecutionConfig): Promise<MicroBatchExecution> {
  const execution = new MicroBatchExecution(config);
  await execution.ready;
  // A query that could not even start (e.g. its source is unreachable) rejects here, with the cause.
  if (execution.startupError) throw execution.startupError;
  return execution;
}

/** Adds a started query to the registry and tells the listeners. */
export function publish<R>(query: StreamingQuery<R>, finished: Promise<void>): StreamingQuery<R> {
  register(query, finished);
  announce(query, finished);
  return query;
}

/** The parts of an execution's config every execution of the query shares. */
export function executionSettings(s: QuerySettings) {
  const { runId, conf, retainBatches, trigger, pollIntervalMs } = s;
  return { runId, conf, retainBatches, trigger, pollIntervalMs };
}
