import type { AggExpr, AggValue } from "../expr/aggregates.js";
import type { SessionWindowSpec, WindowSpec } from "../expr/window.js";
import type { Prettify, WindowValue } from "../schema/types.js";

/** `A | B` → `A & B`. */
export type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** A grouping key over rows of type `R`: a column name, `window(...)` or `sessionWindow(...)`. */
export type GroupKeyOf<R> = (keyof R & string) | WindowSpec | SessionWindowSpec;

type KeyRow<R, K> = K extends WindowSpec
  ? { window: WindowValue }
  : K extends SessionWindowSpec
    ? { session_window: WindowValue }
    : K extends keyof R
      ? { [P in K]: R[K] }
      : never;

/** The key columns of `groupBy(...keys)`. */
export type KeysRow<R, K extends readonly unknown[]> = UnionToIntersection<{ [I in keyof K]: KeyRow<R, K[I]> }[number]>;

/** The aggregate columns of `agg(...aggs)`. */
export type AggRow<R, A extends readonly AggExpr[]> = UnionToIntersection<
  { [I in keyof A]: A[I] extends AggExpr<infer N, any, any> ? { [P in N]: AggValue<R, A[I]> } : never }[number]
>;

/** Row type after `withColumn(name, value)`. */
export type WithColumn<R, N extends string, V> = Prettify<Omit<R, N> & { [P in N]: V }>;

/** Every field `| null`: rows `parseJson` produces in permissive mode, where a malformed record is all nulls. */
export type NullableRow<T> = Prettify<{ [K in keyof T]: T[K] | null }>;

/** Row type of `stream.join(table, { on, type })`: the `on` columns, the stream's others, then the table's. */
export type JoinedRow<L, R, K extends keyof L & keyof R, T extends string> = Prettify<
  Pick<L, K> & Omit<L, K> & (T extends "leftOuter" ? NullableRow<Omit<R, K>> : Omit<R, K>)
>;

/** Row type of a stream-stream join: `on`, the left's others, the right's (leftSemi: the left's only); the outer side nullable. */
export type StreamJoinedRow<L, R, K extends keyof L & keyof R, T extends string> = T extends "leftSemi"
  ? Prettify<Pick<L, K> & Omit<L, K>>
  : Prettify<
      Pick<L, K> &
        (T extends "rightOuter" | "fullOuter" ? NullableRow<Omit<L, K>> : Omit<L, K>) &
        (T extends "leftOuter" | "fullOuter" ? NullableRow<Omit<R, K>> : Omit<R, K>)
    >;

export type { Prettify };
