import type { Row } from "../batch/micro-batch.js";
import { BatchContext } from "../batch/micro-batch.js";
import type { OutputMode } from "../batch/output-mode.js";
import type { Checkpoint, Recovery } from "../checkpoint/checkpoint.js";
import { errors, SkpError } from "../errors.js";
import type { SideOutput } from "../operators/compile.js";
import type { AnalyzedPlan } from "../plan/analyze.js";
import type { BatchInfo, Sink } from "../sinks/sink.js";
import type { Offset, ReadLimit, Source } from "../sources/source.js";
import { sameOffset } from "../sources/source.js";
import type { StateStore } from "../state/state-store.js";
import type { OperatorRunner } from "./operator-runner.js";
import { sourcePhase, timed } from "./phases.js";
import { buildProgress, sourcesProgress } from "./progress.js";
import { StreamExecution } from "./stream-execution.js";
import type { ResolvedTrigger } from "./trigger.js";
import type { WatermarkEntry } from "./write-ahead.js";
import { WriteAhead } from "./write-ahead.js";

export interface ExecutionConfig {
  readonly id: string;
  readonly runId: string;
  readonly name: string | null;
  readonly source: Source<any, any>;
  readonly sink: Sink<any>;
  readonly analyzed: AnalyzedPlan;
  /** Runs batches through the operators and keeps the watermark. */
  readonly runner: OperatorRunner;
  readonly sideOutputs: readonly SideOutput[];
  readonly outputMode: OutputMode;
  readonly trigger: ResolvedTrigger;
  readonly maxRowsPerTrigger?: number;
  /** How often the default trigger polls a source that cannot notify. */
  readonly pollIntervalMs: number;
  /** Checkpoint to log offsets and commits to (none: nothing survives a restart). */
  readonly checkpoint?: Checkpoint;
  /** Where to resume: the checkpoint's recovery, or a fresh start. */
  readonly recovery: Recovery;
  /** Settings recorded in every offsets entry, which must not change across restarts. */
  readonly conf: Record<string, string>;
  readonly stateStores: readonly StateStore<unknown>[];
  /** Log entries (and state versions) kept in the checkpoint. */
  readonly retainBatches: number;
  /**
   * Plan batch N+1 (and start making its offsets durable) as soon as batch N has run, before N's sink:
   * the write then overlaps a whole batch instead of delaying the next one. Off where planning has
   * effects of its own (a consumer group's partition claims).
   */
  readonly planAhead?: boolean;
}

/** A batch planned ahead: its range, and the barrier its offsets entry's durability sets. */
interface Planned {
  start: Offset;
  end: Offset;
  durable: () => Promise<void>;
}

/**
 * Spark's MicroBatchExecution, as a protocol: find the end offset → (write the offsets log) → get the
 * batch → run the operators with the watermark of the previous batch → `sink.addBatch(id)` → commit the
 * source → fold event times into the watermark → report progress. Each phase is timed under the key
 * that appears in `progress.durationMs`.
 */
export class MicroBatchExecution extends StreamExecution {
  private batchId = 0;
  private committed!: Offset;
  private readonly runner: OperatorRunner;
  private previousTriggerStartMs: number | undefined;
  private unsubscribeSource: (() => void) | undefined;
  private planned: Planned | undefined;
  private readonly log: WriteAhead;
  private readonly planAhead: boolean;

  constructor(private readonly config: ExecutionConfig) {
    super(config.trigger.kind === "default");
    this.runner = config.runner;
    this.log = new WriteAhead(config.checkpoint, config.source, config.conf, config.stateStores, config.retainBatches);
    const { kind } = config.trigger;
    this.planAhead = !!config.planAhead && !!config.checkpoint && (kind === "default" || kind === "availableNow");
    this.launch(() => this.run());
  }

  private async run(): Promise<void> {
    const { source, trigger, recovery } = this.config;
    try {
      await sourcePhase(source.description, "open", () => source.open?.());
      this.batchId = recovery.nextBatchId;
      await this.runner.open?.();
      this.runner.restoreWatermark(recovery.watermarkMs, recovery.operatorWatermarks);
      const initial = () => sourcePhase(source.description, "initialOffset", () => source.initialOffset());
      this.committed =
        recovery.committedOffset ??
        recovery.pending?.start ??
        (await (this.config.checkpoint ? this.config.checkpoint.initialOffset(initial) : initial()));
      // Only the default trigger reacts to new data at once; processingTime keeps its cadence.
      if (trigger.kind === "default") this.unsubscribeSource = source.onDataAvailable?.(() => this.wakeUp());
      if (trigger.kind === "once") {
        this.markReady();
        // A batch planned before a crash is this start's one batch; otherwise one new batch.
        if (recovery.pending) await this.replayPending();
        else await this.runTrigger(undefined);
      } else if (trigger.kind === "availableNow") {
        const target = await sourcePhase(source.description, "latestOffset", () =>
          source.latestOffset(this.committed, { unbounded: true }),
        );
        this.markReady();
        await this.replayPending();
        while (!this.stopRequested && (await this.runTrigger(target))) await this.yieldIfBusy(); // until caught up
      } else {
        this.markReady();
        await this.replayPending();
        while (!this.stopRequested) {
          const started = Date.now();
          const ran = await this.runTrigger(undefined);
          if (this.stopRequested) break;
          if (ran) await this.yieldIfBusy();
          if (trigger.kind === "processingTime") {
            await this.sleep(Math.max(0, started + trigger.intervalMs - Date.now()));
          } else if (!ran) {
            await this.sleep(Math.max(this.config.pollIntervalMs, source.idlePollIntervalMs?.() ?? 0));
          }
        }
      }
    } catch (e) {
      this.exception = e instanceof SkpError ? e : errors.queryFailed(e);
      if (!this.isReady) this.startupError = this.exception;
    } finally {
      this.markReady();
      await this.shutdown();
    }
    if (this.exception) throw this.exception;
  }

  /**
   * One trigger: runs a batch if new data exists (up to `upTo`), or a no-data batch if a stateful
   * operator has state the current watermark expires. Returns whether a batch ran.
   */
  private async runTrigger(upTo: Offset | undefined): Promise<boolean> {
    const { source, maxRowsPerTrigger } = this.config;
    const gen = this.beginTrigger();
    const triggerStart = Date.now();
    const durationMs: Record<string, number> = {};
    const limit: ReadLimit = { maxRows: maxRowsPerTrigger, upTo };
    const planned = this.planned;
    if (planned) {
      this.planned = undefined;
      await this.runBatch(planned.start, planned.end, triggerStart, durationMs, { planned, limit });
      return true;
    }
    const latest = await timed(durationMs, "latestOffset", () =>
      sourcePhase(source.description, "latestOffset", () => source.latestOffset(this.committed, limit)),
    );
    const hasData = !sameOffset(latest, this.committed);
    const noDataBatchDue = !hasData && this.runner.noDataBatchDue();
    if (!hasData && !noDataBatchDue) {
      await this.log.settle();
      this.settleWaiters(gen);
      return false;
    }
    await this.runBatch(this.committed, latest, triggerStart, durationMs, { limit });
    return true;
  }

  /** Re-runs the batches planned (offsets logged) but not committed before a crash: one, or two when planned ahead. */
  private async replayPending(): Promise<void> {
    for (const seq of [this.config.recovery.pending, this.config.recovery.pendingNext]) {
      if (!seq || this.stopRequested) continue;
      this.runner.restoreWatermark(seq.batchWatermarkMs, seq.operatorWatermarks);
      await this.runBatch(seq.start, seq.end, Date.now(), {}, { replay: true });
    }
  }

  private async runBatch(
    start: Offset,
    end: Offset,
    triggerStart: number,
    durationMs: Record<string, number>,
    how: { replay?: boolean; planned?: Planned; limit?: ReadLimit },
  ): Promise<void> {
    const { source, sink, sideOutputs, analyzed, outputMode } = this.config;
    const batchId = this.batchId;
    const watermarkMs = this.runner.watermarkMs;
    // Write-ahead: the plan for batch N is journaled and durable before any of its effects (the barrier
    // below); reading and running the batch overlap with the write.
    const planDurable =
      how.planned?.durable ??
      (how.replay
        ? undefined
        : (await timed(durationMs, "walCommit", () => this.log.plan(batchId, start, end, triggerStart, this.watermark()))).durable);
    const rows = sameOffset(start, end)
      ? []
      : await timed(durationMs, "getBatch", () => sourcePhase(source.description, "getBatch", () => source.getBatch(start, end)));
    const ctx = new BatchContext();
    const out = await timed(durationMs, "addBatch", async () => {
      const outRows = await this.runner.run(batchId, rows as Row[], end, ctx);
      if (this.planAhead && how.limit) {
        this.runner.advance(ctx);
        await this.planNext(batchId + 1, end, how.limit, durationMs);
      }
      if (planDurable) await timed(durationMs, "walCommit", planDurable);
      for (const side of sideOutputs) {
        const records = (side.kind === "deadLetters" ? ctx.deadLetters : ctx.lateRows).get(side.id) ?? [];
        await this.write(side.sink, batchId, records, { outputMode: "append", fields: {}, queryId: this.config.id, sideOutput: side.kind });
      }
      await this.write(sink, batchId, outRows, { outputMode, fields: analyzed.fields, queryId: this.config.id });
      await this.runner.commitState?.(batchId);
      return outRows;
    });
    if (!(this.planAhead && how.limit)) this.runner.advance(ctx);
    await timed(durationMs, "commitOffsets", () => this.log.commit(batchId, end, this.watermark()));
    this.committed = end;
    this.batchId++;
    durationMs.triggerExecution = Date.now() - triggerStart;
    this.results$.next({ batchId, rows: out });
    this.report(
      buildProgress({
        id: this.config.id,
        runId: this.config.runId,
        name: this.config.name,
        batchId,
        triggerStartMs: triggerStart,
        previousTriggerStartMs: this.previousTriggerStartMs,
        durationMs,
        ctx,
        numInputRows: rows.length,
        numOutputRows: out.length,
        watermarkMs: this.runner.watermarkEnabled ? watermarkMs : undefined,
        sources: sourcesProgress(source, start, end),
        sinkDescription: sink.description,
      }),
    );
    this.previousTriggerStartMs = triggerStart;
  }

  private watermark(): WatermarkEntry {
    return { watermarkMs: this.runner.watermarkMs, perOperator: this.runner.watermarkSnapshot() };
  }

  /**
   * Plans the batch after this one while this one's sink runs, if the source has data for it. Its
   * watermark is the one this batch leaves (already advanced), as a batch planned later would record.
   */
  private async planNext(batchId: number, from: Offset, limit: ReadLimit, durationMs: Record<string, number>): Promise<void> {
    const { source } = this.config;
    if (this.stopRequested) return;
    const latest = await timed(durationMs, "latestOffset", () =>
      sourcePhase(source.description, "latestOffset", () => source.latestOffset(from, limit)),
    );
    if (sameOffset(latest, from)) return;
    const plannedAt = Date.now();
    const { durable } = await timed(durationMs, "walCommit", () => this.log.plan(batchId, from, latest, plannedAt, this.watermark()));
    this.planned = { start: from, end: latest, durable: durable! };
  }

  private async write(sink: Sink<any>, batchId: number, rows: readonly unknown[], info: BatchInfo): Promise<void> {
    try {
      await sink.addBatch(batchId, rows, info);
    } catch (e) {
      throw e instanceof SkpError ? e : errors.sinkFailed(sink.description, batchId, e);
    }
  }

  private async shutdown(): Promise<void> {
    this.runner.close();
    this.unsubscribeSource?.();
    const { source, sink } = this.config;
    try {
      if (!this.exception) await this.log.settle();
      await source.stop();
      await sink.stop?.();
    } catch (e) {
      this.exception ??= errors.queryFailed(e);
    } finally {
      await this.log.close();
    }
    this.terminate();
  }
}
