import type { OperatorFunction } from "rxjs";
import { Observable } from "rxjs";
import type { MicroBatch } from "../batch/micro-batch.js";
import { errors, SkpError } from "../errors.js";

/**
 * The one helper every physical operator is built on (like RxJS's `operate`): it owns subscription,
 * error routing and teardown, so an operator is only its per-batch transformation. An exception thrown
 * while processing becomes an error notification naming the operator and the batch.
 */
export function batchOperator<I, O>(
  name: string,
  process: (batch: MicroBatch<I>) => MicroBatch<O>,
): OperatorFunction<MicroBatch<I>, MicroBatch<O>> {
  return (source) =>
    new Observable<MicroBatch<O>>((subscriber) =>
      source.subscribe({
        next(batch) {
          let out: MicroBatch<O>;
          try {
            out = process(batch);
          } catch (e) {
            subscriber.error(e instanceof SkpError ? e : errors.operatorFailed(name, batch.batchId, e));
            return;
          }
          subscriber.next(out);
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    );
}

/** Same batch, new rows: operators never mutate the batch they receive. */
export function withRows<O>(batch: MicroBatch<unknown>, rows: O[]): MicroBatch<O> {
  return { batchId: batch.batchId, rows, watermarkMs: batch.watermarkMs, ctx: batch.ctx };
}

/**
 * Compiles `(values...) => ({ a: ..., b: ... })` for a fixed list of keys. Objects built by one literal
 * share a hidden class in V8, which keeps every later property read on these rows monomorphic and fast.
 * Keys are JSON-escaped, so any column name is safe.
 */
export function rowBuilder(keys: readonly string[]): (...values: unknown[]) => Record<string, unknown> {
  const params = keys.map((_, i) => `v${i}`);
  const body = `return {${keys.map((k, i) => `${literalKey(k)}: v${i}`).join(", ")}};`;
  return new Function(...params, body) as (...values: unknown[]) => Record<string, unknown>;
}

/** Compiles `(row) => ({ a: row.a, b: row.b })` for a fixed list of keys (see {@link rowBuilder}). */
export function rowPicker(
  keys: readonly string[],
  extra?: string,
): (row: Record<string, unknown>, extraValue?: unknown) => Record<string, unknown> {
  const parts = keys.map((k) => `${literalKey(k)}: r[${JSON.stringify(k)}]`);
  if (extra !== undefined) parts.push(`${literalKey(extra)}: x`);
  return new Function("r", "x", `return {${parts.join(", ")}};`) as (r: Record<string, unknown>, x?: unknown) => Record<string, unknown>;
}

/**
 * A column name as a key in a compiled object literal: JSON-escaped, so any name is safe — and
 * `__proto__` computed (`["__proto__"]`), because as a plain literal key it would set the object's
 * prototype instead of a property.
 */
export function literalKey(name: string): string {
  return name === "__proto__" ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
}
