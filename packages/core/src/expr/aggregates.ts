import { errors } from "../errors.js";
import { type DataType, double, isNumericKind, long } from "../schema/types.js";
import type { SchemaFields } from "./column.js";

export type AggKind = "count" | "sum" | "avg" | "min" | "max" | "first" | "last";

/**
 * An aggregate column for `groupBy(...).agg(...)`. `Name` is its output column; `Kind` and `Col` let the
 * frame infer the output value type from the input row type.
 */
export class AggExpr<Name extends string = string, Kind extends AggKind = AggKind, Col extends string | undefined = string | undefined> {
  constructor(
    readonly kind: Kind,
    /** Input column; `undefined` for `count()` (counts rows). */
    readonly column: Col,
    readonly name: Name,
  ) {}

  /** Renames the output column (Spark's `.alias`/`.as`). */
  as<N extends string>(name: N): AggExpr<N, Kind, Col> {
    return new AggExpr(this.kind, this.column, name);
  }
}

/** Counts rows (`count()`, output `count`) or non-null values of a column (`count("x")`, output `count(x)`). */
export function count(): AggExpr<"count", "count", undefined>;
export function count<C extends string>(column: C): AggExpr<`count(${C})`, "count", C>;
export function count(column?: string): AggExpr<string, "count", string | undefined> {
  return new AggExpr("count", column, column === undefined || column === "*" ? "count" : `count(${column})`);
}
export const sum = <C extends string>(column: C) => new AggExpr("sum", column, `sum(${column})` as `sum(${C})`);
export const avg = <C extends string>(column: C) => new AggExpr("avg", column, `avg(${column})` as `avg(${C})`);
/** Alias of {@link avg}. */
export const mean = avg;
export const min = <C extends string>(column: C) => new AggExpr("min", column, `min(${column})` as `min(${C})`);
export const max = <C extends string>(column: C) => new AggExpr("max", column, `max(${column})` as `max(${C})`);
/** First value in arrival order (deterministic for a given input order). */
export const first = <C extends string>(column: C) => new AggExpr("first", column, `first(${column})` as `first(${C})`);
/** Last value in arrival order. */
export const last = <C extends string>(column: C) => new AggExpr("last", column, `last(${column})` as `last(${C})`);

/** The output value type of an aggregate over rows of type `R`. */
export type AggValue<R, A> =
  A extends AggExpr<string, infer K, infer C>
    ? K extends "count"
      ? number
      : K extends "sum" | "avg"
        ? number | null
        : C extends keyof R
          ? R[C] | null
          : unknown
    : never;

/**
 * Run-time form of an aggregate. Accumulators are JSON-serializable (numbers, null, small objects) so
 * state can be checkpointed; `update` returns the new accumulator so numeric ones stay unboxed.
 */
export interface Aggregator {
  readonly name: string;
  readonly column: string | undefined;
  readonly type: DataType<unknown>;
  init(): unknown;
  /** Folds in one value; `(batchId, index)` is the row's arrival position (first/last use it). */
  update(acc: any, value: unknown, batchId: number, index: number): unknown;
  merge(a: any, b: any): unknown;
  result(acc: any): unknown;
}

/** Validates an aggregate against the input columns and builds its aggregator. */
export function bindAggregate(agg: AggExpr, fields: SchemaFields): Aggregator {
  const where = `aggregate "${agg.name}"`;
  let inputType: DataType<unknown> | undefined;
  if (agg.column !== undefined && agg.column !== "*") {
    inputType = fields[agg.column];
    if (!inputType) throw errors.unknownColumn(agg.column, where, Object.keys(fields));
    if ((agg.kind === "sum" || agg.kind === "avg") && !isNumericKind(inputType.kind) && inputType.kind !== "any") {
      throw errors.wrongColumnType(agg.column, where, "a numeric type (int, long, double)", inputType.toString());
    }
  }
  const base = { name: agg.name, column: agg.column === "*" ? undefined : agg.column };
  switch (agg.kind) {
    case "count":
      return {
        ...base,
        type: long(),
        init: () => 0,
        update: base.column === undefined ? (acc: number) => acc + 1 : (acc: number, v) => (v == null ? acc : acc + 1),
        merge: (a: number, b: number) => a + b,
        result: (acc: number) => acc,
      };
    case "sum":
      return {
        ...base,
        type: (inputType!.kind === "double" || inputType!.kind === "any" ? double() : long()).nullable(),
        init: () => null,
        update: (acc: number | null, v) => (v == null ? acc : acc === null ? (v as number) : acc + (v as number)),
        merge: (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b),
        result: (acc: number | null) => acc,
      };
    case "avg":
      return {
        ...base,
        type: double().nullable(),
        init: () => ({ s: 0, n: 0 }),
        update: (acc: { s: number; n: number }, v) => {
          if (v != null) {
            acc.s += v as number;
            acc.n++;
          }
          return acc;
        },
        merge: (a: { s: number; n: number }, b: { s: number; n: number }) => ({ s: a.s + b.s, n: a.n + b.n }),
        result: (acc: { s: number; n: number }) => (acc.n === 0 ? null : acc.s / acc.n),
      };
    case "min":
    case "max": {
      const better = agg.kind === "min" ? (a: any, b: any) => a < b : (a: any, b: any) => a > b;
      const pick = (a: unknown, b: unknown) => (a == null ? b : b == null ? a : better(b, a) ? b : a);
      return { ...base, type: inputType!.nullable(), init: () => null, update: pick, merge: pick, result: (acc) => acc };
    }
    case "first":
    case "last": {
      // Keep the arrival position (batch b, index i) beside the value, so merging two partial results
      // (session merges) stays exact, also across restarts.
      type Acc = { v: unknown; b: number; i: number };
      const earlier = (b: number, i: number, acc: Acc) => b < acc.b || (b === acc.b && i < acc.i);
      const takeNew =
        agg.kind === "first"
          ? (b: number, i: number, acc: Acc) => acc.b < 0 || earlier(b, i, acc)
          : (b: number, i: number, acc: Acc) => acc.b < 0 || !earlier(b, i, acc);
      return {
        ...base,
        type: inputType!.nullable(),
        init: () => ({ v: null, b: -1, i: -1 }),
        update: (acc: Acc, v, b, i) => {
          if (takeNew(b, i, acc)) {
            acc.v = v;
            acc.b = b;
            acc.i = i;
          }
          return acc;
        },
        merge: (x: Acc, y: Acc) => (y.b >= 0 && takeNew(y.b, y.i, x) ? { ...y } : { ...x }),
        result: (acc: Acc) => acc.v,
      };
    }
  }
}

/** Deep-copies an accumulator (they are numbers, null or flat objects). */
export function cloneAcc(acc: unknown): unknown {
  return acc !== null && typeof acc === "object" ? { ...(acc as object) } : acc;
}
