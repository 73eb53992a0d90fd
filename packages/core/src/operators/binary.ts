import type { OperatorFunction } from "rxjs";
import { map, Observable, share, zip } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import { errors, SkpError } from "../errors.js";
import { withRows } from "./batch-operator.js";

type BatchOp = OperatorFunction<MicroBatch<any>, MicroBatch<any>>;

/** A source's rows of a batch of several sources (the first source's are the batch's rows otherwise). */
export function pickInput(index: number): OperatorFunction<MicroBatch<Row>, MicroBatch<Row>> {
  return map((batch) => {
    const rows = batch.inputs ? (batch.inputs[index] ?? []) : index === 0 ? batch.rows : [];
    return { batchId: batch.batchId, rows, watermarkMs: batch.watermarkMs, ctx: batch.ctx };
  });
}

/**
 * Two inputs into one operator (a union, a stream-stream join): each batch goes through both
 * branches — each emits exactly one batch per batch, so `zip` pairs them by batch — and `combine`
 * makes the output rows of each pair. One subscription upstream (`share`), as for a unary operator.
 */
export function binary(
  left: BatchOp,
  right: BatchOp,
  name: string,
  combine: (left: MicroBatch<Row>, right: MicroBatch<Row>) => Row[],
): OperatorFunction<MicroBatch<Row>, MicroBatch<Row>> {
  return (source) =>
    new Observable<MicroBatch<Row>>((subscriber) => {
      const shared = source.pipe(share());
      return zip(shared.pipe(left), shared.pipe(right)).subscribe({
        next([l, r]) {
          let rows: Row[];
          try {
            rows = combine(l, r);
          } catch (e) {
            subscriber.error(e instanceof SkpError ? e : errors.operatorFailed(name, l.batchId, e));
            return;
          }
          subscriber.next(withRows(l, rows));
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}
