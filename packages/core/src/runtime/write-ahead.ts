import type { Checkpoint } from "../checkpoint/checkpoint.js";
import type { Offset, Source } from "../sources/source.js";
import type { StateStore } from "../state/state-store.js";
import { sourcePhase } from "./phases.js";

/** The watermarks a log entry records. */
export interface WatermarkEntry {
  watermarkMs: number;
  perOperator: Record<string, number>;
}

/**
 * Spark's write-ahead protocol over the checkpoint journal, with the writes pipelined:
 *
 * - `plan` journals batch N's offsets entry and starts writing it; the batch is read and run while the
 *   write is in flight, and its sink waits for it (`durable`) — the offsets are durable before any
 *   effect of the batch.
 * - `commit` journals N's commit entry without writing it: it goes out with the next plan's write (one
 *   ordered log, so N+1's offsets are never durable before N's commit), or when the source is told.
 * - The source hears of a commit only once the commit is durable, behind the batches (`settle` waits).
 * - Purging old entries, state versions and the entries' copies runs behind the batches.
 *
 * Without a checkpoint every step is immediate.
 */
export class WriteAhead {
  /** Commits the source is told of, in order, as they become durable. */
  private told: Promise<void> = Promise.resolve();
  private sourceFailure: unknown;
  private purging: Promise<void> = Promise.resolve();
  /** The batch the next purge goes up to, while one runs: purges that fall behind merge into one. */
  private purgeUpTo: number | undefined;
  private purgeFailure: unknown;

  constructor(
    private readonly checkpoint: Checkpoint | undefined,
    private readonly source: Source<any, any>,
    private readonly conf: Record<string, string>,
    private readonly stateStores: readonly StateStore<unknown>[],
    private readonly retainBatches: number,
  ) {}

  /**
   * Journals batch `batchId`'s offsets entry and starts writing it; resolves (at once) to the barrier
   * to pass before the batch's effects: it resolves once the entry is durable (asked at the barrier, it
   * knows without an event-loop turn when the write has already finished).
   */
  async plan(
    batchId: number,
    start: Offset,
    end: Offset,
    plannedAt: number,
    watermark: WatermarkEntry,
  ): Promise<{ durable?: () => Promise<void> }> {
    const { checkpoint } = this;
    if (!checkpoint) return {};
    await checkpoint.offsets.add(batchId, {
      batchWatermarkMs: watermark.watermarkMs,
      batchTimestampMs: plannedAt,
      operatorWatermarks: watermark.perOperator,
      conf: this.conf,
      start,
      end,
    });
    const position = checkpoint.position;
    checkpoint.sync().catch(() => {}); // a failure surfaces at the barrier
    return { durable: () => checkpoint.durableAt(position) };
  }

  /** Journals batch `batchId`'s commit (the sink took it) and schedules the purge of old entries. */
  async commit(batchId: number, end: Offset, next: WatermarkEntry): Promise<void> {
    const { checkpoint } = this;
    if (!checkpoint) {
      await this.tellSource(end);
      return;
    }
    await checkpoint.commits.add(batchId, { nextBatchWatermarkMs: next.watermarkMs, operatorWatermarks: next.perOperator });
    if (this.sourceFailure) throw this.sourceFailure;
    // The source hears of the commit once a later write (normally the next plan's) made it durable.
    const position = checkpoint.position;
    this.told = this.told
      .then(() => checkpoint.durableAt(position))
      .then(() => this.tellSource(end))
      .catch((e) => void (this.sourceFailure ??= e));
    if (batchId % 10 === 0) {
      if (this.purgeFailure) throw this.purgeFailure;
      this.schedulePurge(checkpoint, batchId);
    }
  }

  /** Writes what is journaled and waits until the source heard of every commit (idle, or stopping). */
  async settle(): Promise<void> {
    await this.checkpoint?.sync();
    await this.told;
    if (this.sourceFailure) throw this.sourceFailure;
  }

  /** Finishes background work and closes the checkpoint (making everything journaled durable). */
  async close(): Promise<void> {
    await this.purging;
    for (const store of this.stateStores) await store.close?.().catch(() => {});
    await this.checkpoint?.close().catch(() => {});
  }

  private tellSource(end: Offset): Promise<void> {
    return sourcePhase(this.source.description, "commit", () => this.source.commit(end));
  }

  private schedulePurge(checkpoint: Checkpoint, batchId: number): void {
    const idle = this.purgeUpTo === undefined;
    this.purgeUpTo = batchId;
    if (!idle) return;
    this.purging = (async () => {
      while (this.purgeUpTo !== undefined) {
        const upTo = this.purgeUpTo;
        await this.purge(checkpoint, upTo);
        if (this.purgeUpTo === upTo) this.purgeUpTo = undefined;
      }
    })().catch((e) => {
      this.purgeUpTo = undefined;
      this.purgeFailure ??= e;
    });
  }

  private async purge(checkpoint: Checkpoint, batchId: number): Promise<void> {
    const threshold = await checkpoint.purge(batchId, this.retainBatches);
    // State version v is what batch v-1 produced; restarting at `threshold` needs version `threshold`.
    if (threshold > 0) for (const store of this.stateStores) await store.purge?.(threshold);
  }
}
