import type { Observable } from "rxjs";
import { map, Subject } from "rxjs";
import type { SkpError } from "../errors.js";
import type { StreamingQueryProgress } from "./progress.js";
import type { EmittedBatch, StreamExecution } from "./stream-execution.js";
import type { QueryExecution } from "./streaming-query.js";

/**
 * A repartitioned stateful query as one query: the first stage (operators before the aggregation, per
 * input partition, writing to the exchange) and the second (the aggregation and everything after it)
 * run side by side and stop together — when one fails, the other is stopped and the query fails with
 * the cause. Progress is the second stage's (its sink, state, watermark and timings), with the first
 * stage's sources listed first in `sources`, and the query's input counted as the first stage's: its
 * rows read since the last report, and its rates.
 */
export class TwoStageExecution implements QueryExecution {
  readonly results$: Observable<EmittedBatch>;
  readonly progress$: Observable<StreamingQueryProgress>;
  readonly finished: Promise<void>;
  private failure: SkpError | undefined;
  private readonly merged: StreamingQueryProgress[] = [];
  private readonly mergedProgress = new Subject<StreamingQueryProgress>();
  /** Rows the first stage read since the last report. */
  private inputRows = 0;

  constructor(
    private readonly first: StreamExecution,
    private readonly second: StreamExecution,
  ) {
    this.results$ = second.results$.asObservable();
    this.progress$ = this.mergedProgress.asObservable();
    for (const p of first.recentProgress) this.inputRows += p.numInputRows;
    first.progress$.subscribe((p) => {
      this.inputRows += p.numInputRows;
    });
    for (const p of second.recentProgress) this.merged.push(this.merge(p));
    second.progress$.pipe(map((p) => this.merge(p))).subscribe({
      next: (p) => {
        this.merged.push(p);
        if (this.merged.length > 100) this.merged.shift();
        this.mergedProgress.next(p);
      },
      complete: () => this.mergedProgress.complete(),
    });
    const watch = (stage: StreamExecution, other: StreamExecution) =>
      stage.finished.catch(async (e: SkpError) => {
        this.failure ??= e;
        await other.stop();
      });
    this.finished = Promise.all([watch(first, second), watch(second, first)]).then(() => {
      if (this.failure) throw this.failure;
    });
    this.finished.catch(() => {});
  }

  get active(): boolean {
    return this.first.active && this.second.active;
  }

  get exception(): SkpError | undefined {
    return this.failure ?? this.first.exception ?? this.second.exception;
  }

  get recentProgress(): readonly StreamingQueryProgress[] {
    return this.merged;
  }

  /** Everything the input has now goes through the first stage, then what it wrote through the second. */
  async processAllAvailable(): Promise<void> {
    await this.first.processAllAvailable();
    await this.second.processAllAvailable();
  }

  async stop(): Promise<void> {
    await this.first.stop();
    await this.second.stop();
    await this.finished.catch(() => {});
  }

  private merge(p: StreamingQueryProgress): StreamingQueryProgress {
    const last = this.first.recentProgress.at(-1);
    const numInputRows = this.inputRows;
    this.inputRows = 0;
    return {
      ...p,
      numInputRows,
      inputRowsPerSecond: last?.inputRowsPerSecond ?? 0,
      processedRowsPerSecond: last?.processedRowsPerSecond ?? 0,
      sources: [...(last?.sources ?? []), ...p.sources],
    };
  }
}
