import type { Row } from "../batch/micro-batch.js";
import { BatchContext } from "../batch/micro-batch.js";
import type { OutputMode } from "../batch/output-mode.js";
import type { Checkpoint, Recovery } from "../checkpoint/checkpoint.js";
import type { OffsetSeq } from "../checkpoint/offset-seq-log.js";
import { errors, SkpError } from "../errors.js";
import type { SideOutput } from "../operators/compile.js";
import type { AnalyzedPlan } from "../plan/analyze.js";
import type { BatchInfo, Sink } from "../sinks/sink.js";
import { CompositeSource } from "../sources/composite-source.js";
import type { Offset, ReadLimit, Source } from "../sources/source.js";
import { sameOffset } from "../sources/source.js";
import type { StateStore } from "../state/state-store.js";
import type { OperatorRunner } from "./operator-runner.js";
import { sourcePhase, timed } from "./phases.js";
import { buildProgress } from "./progress.js";
import { StreamExecution } from "./stream-execution.js";
import type { ResolvedTrigger } from "./trigger.js";

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
  private purging: Promise<void> = Promise.resolve();
  private purgeFailure: unknown;
  /** A batch committed to the checkpoint journal but not yet to the source: its end, and when it is durable. */
  private uncommitted: { end: Offset; durable: Promise<void> | undefined } | undefined;

  constructor(private readonly config: ExecutionConfig) {
    super(config.trigger.kind === "default");
    this.runner = config.runner;
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
        if (recovery.pending) await this.replay(recovery.pending);
        else await this.runTrigger(undefined);
      } else if (trigger.kind === "availableNow") {
        const target = await sourcePhase(source.description, "latestOffset", () =>
          source.latestOffset(this.committed, { unbounded: true }),
        );
        this.markReady();
        if (recovery.pending) await this.replay(recovery.pending);
        while (!this.stopRequested && (await this.runTrigger(target))) {
          /* until caught up and no batch is due */
        }
      } else {
        this.markReady();
        if (recovery.pending) await this.replay(recovery.pending);
        while (!this.stopRequested) {
          const started = Date.now();
          const ran = await this.runTrigger(undefined);
          if (this.stopRequested) break;
          if (trigger.kind === "processingTime") {
            await this.sleep(Math.max(0, started + trigger.intervalMs - Date.now()));
          } else if (!ran) {
            await this.sleep(this.config.pollIntervalMs);
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
    const latest = await timed(durationMs, "latestOffset", () =>
      sourcePhase(source.description, "latestOffset", () => source.latestOffset(this.committed, limit)),
    );
    const hasData = !sameOffset(latest, this.committed);
    const noDataBatchDue = !hasData && this.runner.noDataBatchDue();
    if (!hasData && !noDataBatchDue) {
      await this.commitSource(true);
      this.settleWaiters(gen);
      return false;
    }
    await this.runBatch(this.committed, latest, triggerStart, durationMs);
    return true;
  }

  /** Re-runs a batch that was planned (offsets logged) but not committed before a crash. */
  private async replay(seq: OffsetSeq): Promise<void> {
    this.runner.restoreWatermark(seq.batchWatermarkMs, seq.operatorWatermarks);
    await this.runBatch(seq.start, seq.end, Date.now(), {}, true);
  }

  private async runBatch(
    start: Offset,
    end: Offset,
    triggerStart: number,
    durationMs: Record<string, number>,
    replay = false,
  ): Promise<void> {
    const { source, sink, sideOutputs, analyzed, outputMode, checkpoint } = this.config;
    const batchId = this.batchId;
    const watermarkMs = this.runner.watermarkMs;
    if (checkpoint && !replay) {
      // Write-ahead: the plan for batch N is journaled now and durable before any of its effects (the
      // barrier below); reading and running the batch overlap with that fsync.
      await timed(durationMs, "walCommit", () =>
        checkpoint.offsets.add(batchId, {
          batchWatermarkMs: watermarkMs,
          batchTimestampMs: triggerStart,
          operatorWatermarks: this.runner.watermarkSnapshot(),
          conf: this.config.conf,
          start,
          end,
        }),
      );
    }
    const planDurable = checkpoint?.sync();
    planDurable?.catch(() => {}); // awaited below; a failure surfaces there
    const rows = sameOffset(start, end)
      ? []
      : await timed(durationMs, "getBatch", () => sourcePhase(source.description, "getBatch", () => source.getBatch(start, end)));
    const ctx = new BatchContext();
    const out = await timed(durationMs, "addBatch", async () => {
      const outRows = await this.runner.run(batchId, rows as Row[], end, ctx);
      if (planDurable) await timed(durationMs, "walCommit", () => planDurable);
      await this.commitSource();
      for (const side of sideOutputs) {
        const records = (side.kind === "deadLetters" ? ctx.deadLetters : ctx.lateRows).get(side.id) ?? [];
        await this.write(side.sink, batchId, records, { outputMode: "append", fields: {}, queryId: this.config.id, sideOutput: side.kind });
      }
      await this.write(sink, batchId, outRows, { outputMode, fields: analyzed.fields, queryId: this.config.id });
      await this.runner.commitState?.(batchId);
      return outRows;
    });
    this.runner.advance(ctx);
    await timed(durationMs, "commitOffsets", async () => {
      // Journaled, not written yet: it shares the fdatasync of the next batch's plan (which is durable
      // only after it: one ordered log), and the source hears of it once it is durable (`commitSource`).
      await checkpoint?.commits.add(batchId, {
        nextBatchWatermarkMs: this.runner.watermarkMs,
        operatorWatermarks: this.runner.watermarkSnapshot(),
      });
      this.uncommitted = { end, durable: checkpoint?.whenDurable() };
      this.uncommitted.durable?.catch(() => {}); // awaited in commitSource
      if (!checkpoint) await this.commitSource();
    });
    this.committed = end;
    this.batchId++;
    if (checkpoint && batchId % 10 === 0) {
      // Off the batch's path: it only forgets entries and files older than every version still needed.
      if (this.purgeFailure) throw this.purgeFailure;
      this.purging = this.purging.then(() => this.purge(checkpoint, batchId)).catch((e) => void (this.purgeFailure ??= e));
    }
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
        sources:
          source instanceof CompositeSource
            ? source.progress(start as Offset[], end as Offset[])
            : [
                {
                  description: source.description,
                  startOffset: start,
                  endOffset: end,
                  latestOffset: source.reportLatestOffset?.() ?? end,
                  metrics: source.metrics?.() ?? {},
                },
              ],
        sinkDescription: sink.description,
      }),
    );
    this.previousTriggerStartMs = triggerStart;
  }

  /** Tells the source the last committed batch's end, once the commit is durable. */
  private async commitSource(flush = false): Promise<void> {
    const pending = this.uncommitted;
    if (pending === undefined) return;
    if (flush) await this.config.checkpoint?.sync();
    await pending.durable;
    this.uncommitted = undefined;
    await sourcePhase(this.config.source.description, "commit", () => this.config.source.commit(pending.end));
  }

  private async purge(checkpoint: Checkpoint, batchId: number): Promise<void> {
    const threshold = await checkpoint.purge(batchId, this.config.retainBatches);
    // State version v is what batch v-1 produced; restarting at `threshold` needs version `threshold`.
    if (threshold > 0) for (const store of this.config.stateStores) await store.purge?.(threshold);
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
      if (!this.exception) await this.commitSource(true);
      await source.stop();
      await sink.stop?.();
    } catch (e) {
      this.exception ??= errors.queryFailed(e);
    } finally {
      await this.purging;
      await this.config.checkpoint?.close().catch(() => {});
    }
    this.terminate();
  }
}
