import { setTimeout as delay, setImmediate as nextTurn } from "node:timers/promises";
import { Subject } from "rxjs";
import type { Row } from "../batch/micro-batch.js";
import type { SkpError } from "../errors.js";
import type { StreamingQueryProgress } from "./progress.js";

/** The rows a batch emitted, as seen by `query.results$`. */
export interface EmittedBatch<R = Row> {
  readonly batchId: number;
  readonly rows: readonly R[];
}

/** The longest a run of batches keeps the event loop before giving it a turn. */
const BUSY_MS = 20;

/**
 * What every execution of a streaming query shares (Spark's `StreamExecution`): its lifecycle (ready,
 * active, stopped, failed), the callers waiting in `processAllAvailable`, progress reports and emitted
 * batches as Observables, and the wakeable sleep between triggers. Subclasses run the batches.
 */
export abstract class StreamExecution {
  readonly results$ = new Subject<EmittedBatch>();
  readonly progress$ = new Subject<StreamingQueryProgress>();
  readonly recentProgress: StreamingQueryProgress[] = [];
  exception: SkpError | undefined;
  active = true;
  /** Set when the query failed before it was ready (start offsets unknown): `start()` rejects with it. */
  startupError: SkpError | undefined;
  /** Settles once the start offsets are known (and, for availableNow, the end offset): `start()` awaits it. */
  readonly ready: Promise<void>;
  protected isReady = false;
  protected stopRequested = false;
  private markReadyFn!: () => void;
  private finishedPromise: Promise<void> | undefined;
  /** Set by wakeUp(); a sleep that starts after a wake-up returns at once, so no wake-up is lost. */
  private wakePending = false;
  /** When the batch loop last gave the event loop a turn (see `yieldIfBusy`). */
  private lastTurn = performance.now();
  /** Aborts the current sleep (a wake-up or a stop). */
  private wake: AbortController | undefined;
  private requestGen = 0;
  private waiters: { gen: number; resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly wakeOnRequest: boolean) {
    this.ready = new Promise((resolve) => {
      this.markReadyFn = () => {
        this.isReady = true;
        resolve();
      };
    });
  }

  /** Settles when the query has ended: resolves when stopped, rejects with the cause if it failed. */
  get finished(): Promise<void> {
    return this.finishedPromise ?? Promise.resolve();
  }

  /** Starts the subclass's loop; called once, at the end of its constructor. */
  protected launch(run: () => Promise<void>): void {
    this.finishedPromise = run();
    this.finishedPromise.catch(() => {}); // surfaced through awaitTermination / processAllAvailable, never unhandled
  }

  /** Resolves once everything available now has been processed, including due no-data batches. */
  processAllAvailable(): Promise<void> {
    if (!this.active) return this.exception ? Promise.reject(this.exception) : Promise.resolve();
    const gen = ++this.requestGen;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ gen, resolve, reject }));
    if (this.wakeOnRequest) this.wakeUp();
    return done;
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    this.wake?.abort();
    await this.finished.catch(() => {});
  }

  protected markReady(): void {
    this.markReadyFn();
  }

  /** The newest `processAllAvailable` request a trigger starting now answers. */
  protected beginTrigger(): number {
    this.wakePending = false;
    return this.requestGen;
  }

  /** A trigger found nothing to do: every request made before it started is answered. */
  protected settleWaiters(gen: number): void {
    const ready = this.waiters.filter((w) => w.gen <= gen);
    this.waiters = this.waiters.filter((w) => w.gen > gen);
    for (const w of ready) w.resolve();
  }

  protected report(progress: StreamingQueryProgress): void {
    this.recentProgress.push(progress);
    if (this.recentProgress.length > 100) this.recentProgress.shift();
    this.progress$.next(progress);
  }

  /** Ends the query's observable side: waiters settle, `results$` completes or errors. */
  protected terminate(): void {
    this.active = false;
    for (const w of this.waiters) this.exception ? w.reject(this.exception) : w.resolve();
    this.waiters = [];
    if (this.exception) this.results$.error(this.exception);
    else this.results$.complete();
    this.progress$.complete();
  }

  protected wakeUp(): void {
    this.wakePending = true;
    this.wake?.abort();
  }

  /**
   * Gives the event loop a turn when the batches have kept it for `BUSY_MS`: a query catching up on a
   * backlog (whose batches may all finish without waiting for anything) must not starve what shares its
   * process — the UI server, timers, a source's heartbeats, the checkpoint's background work.
   */
  protected async yieldIfBusy(): Promise<void> {
    if (performance.now() - this.lastTurn < BUSY_MS) return;
    await nextTurn();
    this.lastTurn = performance.now();
  }

  protected async sleep(ms: number): Promise<void> {
    if (this.wakePending || this.stopRequested) return;
    const wake = new AbortController();
    this.wake = wake;
    await delay(ms, undefined, { signal: wake.signal }).catch(() => {
      /* woken up early */
    });
    this.wake = undefined;
  }
}
