import { setTimeout as delay } from "node:timers/promises";
import type { Observable } from "rxjs";
import type { SkpError } from "../errors.js";
import type { StreamingQueryProgress } from "./progress.js";
import type { EmittedBatch } from "./stream-execution.js";

/** What a query runs on: one micro-batch execution, or the two stages of a repartitioned query. */
export interface QueryExecution {
  readonly results$: Observable<EmittedBatch>;
  readonly progress$: Observable<StreamingQueryProgress>;
  readonly recentProgress: readonly StreamingQueryProgress[];
  readonly active: boolean;
  readonly exception: SkpError | undefined;
  readonly finished: Promise<void>;
  processAllAvailable(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A running query (Spark's `StreamingQuery`): progress, control, and the emitted batches as an Observable.
 *
 * @example
 * const q = await frame.writeStream.format(memorySink()).start();
 * await q.processAllAvailable();
 * console.log(q.lastProgress?.numInputRows);
 * await q.stop();
 */
export class StreamingQuery<R = Record<string, unknown>> {
  /** Every emitted micro-batch, for RxJS users. Completes when the query stops; errors if it fails. */
  readonly results$: Observable<EmittedBatch<R>>;
  /** Every progress report, as it is made. */
  readonly progress$: Observable<StreamingQueryProgress>;

  constructor(
    /** Stable across restarts from the same checkpoint. */
    readonly id: string,
    /** New for every start. */
    readonly runId: string,
    readonly name: string | null,
    private readonly execution: QueryExecution,
    /** The trigger, as `describeTrigger` names it: `default`, `processingTime(5000 ms)`, `once`, `availableNow`. */
    readonly trigger = "default",
  ) {
    this.results$ = execution.results$ as Observable<EmittedBatch<R>>;
    this.progress$ = execution.progress$;
  }

  get isActive(): boolean {
    return this.execution.active;
  }

  /** The error that stopped the query, if any. */
  get exception(): SkpError | undefined {
    return this.execution.exception;
  }

  get lastProgress(): StreamingQueryProgress | null {
    const all = this.execution.recentProgress;
    return all.length === 0 ? null : all[all.length - 1]!;
  }

  /** The last (up to 100) progress reports, oldest first. */
  get recentProgress(): readonly StreamingQueryProgress[] {
    return [...this.execution.recentProgress];
  }

  /**
   * Waits until all data available at the time of the call has been processed and no no-data batch is
   * due (so finalized windows have been emitted). Rejects if the query fails.
   */
  processAllAvailable(): Promise<void> {
    return this.execution.processAllAvailable();
  }

  /** Stops after the current batch; resolves when the query has stopped. */
  stop(): Promise<void> {
    return this.execution.stop();
  }

  /**
   * Waits for the query to end: resolves when stopped, rejects with the cause if it failed. With a
   * timeout, resolves to whether it ended within it (as Spark's `awaitTermination(timeoutMs)`).
   */
  awaitTermination(): Promise<void>;
  awaitTermination(timeoutMs: number): Promise<boolean>;
  // biome-ignore lint/suspicious/noConfusingVoidType: the implementation of the Promise<void> overload
  async awaitTermination(timeoutMs?: number): Promise<void | boolean> {
    if (timeoutMs === undefined) return this.execution.finished;
    const timer = new AbortController();
    try {
      const timeout = delay(timeoutMs, false, { signal: timer.signal });
      return await Promise.race([this.execution.finished.then(() => true), timeout]);
    } finally {
      timer.abort();
    }
  }
}
