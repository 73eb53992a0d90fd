import type { OperatorFunction, Subscription } from "rxjs";
import { Subject } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import { errors } from "../errors.js";

/**
 * The query's physical operators as ONE long-lived RxJS subscription per query run: batches are pushed
 * in, and `run(batch)` resolves with the batch the pipeline emits for it. Operator state (a user's
 * `scan`, `pairwise`, ...) therefore lives for the whole run, as in any RxJS pipeline; it is not
 * checkpointed, so a restart begins it afresh and replays from the checkpoint. The pipeline's rule:
 * one output batch per input batch, in order (`userTransform` enforces it on user operators). An
 * error fails the current batch and every later one; `close()` unsubscribes.
 */
export class BatchPipeline {
  private readonly input = new Subject<MicroBatch<Row>>();
  private readonly subscription: Subscription;
  private waiting: { batchId: number; resolve: (b: MicroBatch<Row>) => void; reject: (e: unknown) => void } | undefined;
  private failure: { error: unknown } | undefined;

  constructor(operator: OperatorFunction<MicroBatch<Row>, MicroBatch<Row>>) {
    this.subscription = this.input.pipe(operator).subscribe({
      next: (out) => {
        const w = this.waiting;
        if (!w || out.batchId !== w.batchId) {
          this.fail(errors.pipelineContract(`emitted batch ${out.batchId} while ${w ? `batch ${w.batchId}` : "no batch"} was running`));
          return;
        }
        this.waiting = undefined;
        w.resolve(out);
      },
      error: (e) => this.fail(e),
      complete: () => this.fail(errors.pipelineContract("completed while the query was running")),
    });
  }

  /** Pushes a batch through the operators; resolves with their output batch for it. */
  run(batch: MicroBatch<Row>): Promise<MicroBatch<Row>> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.waiting)
      return Promise.reject(errors.pipelineContract(`batch ${batch.batchId} pushed while batch ${this.waiting.batchId} is running`));
    const result = new Promise<MicroBatch<Row>>((resolve, reject) => (this.waiting = { batchId: batch.batchId, resolve, reject }));
    this.input.next(batch);
    // A pipeline that emitted twice for this batch synchronously has failed by now: refuse the output.
    return result.then((out) => {
      if (this.failure) throw this.failure.error;
      return out;
    });
  }

  close(): void {
    this.subscription.unsubscribe();
    this.fail(errors.pipelineContract("closed"));
  }

  private fail(error: unknown): void {
    this.failure ??= { error };
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(this.failure.error);
  }
}
