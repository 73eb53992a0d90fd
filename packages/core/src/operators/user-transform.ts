import type { OperatorFunction } from "rxjs";
import { Observable, Subject } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import { errors, SkpError } from "../errors.js";

type BatchOperator = OperatorFunction<MicroBatch<Row>, MicroBatch<Row>>;

/**
 * Runs a user's RxJS operator (`frame.transform(op)`) inside the query and holds it to the one rule
 * the runtime needs: exactly one output batch per input batch, in order, with the input's batch id.
 * The operator is subscribed once per query run, so `scan`, `pairwise`, `bufferCount` and friends keep
 * their state from batch to batch, as RxJS users expect. Anything else — a dropped batch, a second
 * batch, something that is not a batch, an early completion, an error — fails the query with an error
 * naming the transform. A batch held longer than `timeoutMs` fails it too: a transform that dropped
 * the last batch would otherwise stall the query silently.
 */
export function userTransform(name: string, operator: BatchOperator, timeoutMs: number): BatchOperator {
  return (source) =>
    new Observable<MicroBatch<Row>>((subscriber) => {
      const input = new Subject<MicroBatch<Row>>();
      /** Ids of batches handed to the operator and not yet emitted, oldest first. */
      const pending: number[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      let ended = false;
      const fail = (e: SkpError) => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        subscriber.error(e);
      };
      const arm = () => {
        clearTimeout(timer);
        timer = undefined;
        const oldest = pending[0];
        if (oldest === undefined || !Number.isFinite(timeoutMs)) return;
        timer = setTimeout(
          () =>
            fail(
              errors.transformContract(
                name,
                `has not emitted batch ${oldest} within ${timeoutMs} ms: it dropped the batch or is waiting for more input (e.g. bufferCount)`,
              ),
            ),
          timeoutMs,
        );
        timer.unref?.();
      };
      const inner = operator(input).subscribe({
        next(out) {
          if (!isMicroBatch(out))
            return fail(
              errors.transformContract(
                name,
                "emitted a value that is not a micro-batch: emit the batch it received, with new rows ({ ...batch, rows })",
              ),
            );
          const expected = pending[0];
          if (expected === undefined || out.batchId < expected) {
            return fail(
              errors.transformContract(
                name,
                `emitted batch ${out.batchId} more than once: to split or add rows, emit one batch holding all of them`,
              ),
            );
          }
          if (out.batchId > expected) {
            return fail(
              errors.transformContract(
                name,
                `emitted batch ${out.batchId} but never batch ${expected}: it must emit every batch, with no rows if need be (filter rows, not batches)`,
              ),
            );
          }
          pending.shift();
          arm();
          subscriber.next(out);
        },
        error: (e) => fail(e instanceof SkpError ? e : errors.operatorFailed(`transform "${name}"`, pending[0] ?? -1, e)),
        complete: () =>
          fail(
            errors.transformContract(
              name,
              "completed while the query was running (take, first and the like end the stream): it must keep running",
            ),
          ),
      });
      const outer = source.subscribe({
        next(batch) {
          pending.push(batch.batchId);
          if (pending.length === 1) arm();
          input.next(batch);
        },
        error: (e) => fail(e),
        complete: () => {
          ended = true;
          clearTimeout(timer);
          subscriber.complete();
        },
      });
      return () => {
        ended = true;
        clearTimeout(timer);
        outer.unsubscribe();
        inner.unsubscribe();
      };
    });
}

function isMicroBatch(value: unknown): value is MicroBatch<Row> {
  const b = value as MicroBatch<Row> | null;
  return typeof b === "object" && b !== null && typeof b.batchId === "number" && Array.isArray(b.rows) && b.ctx !== undefined;
}
