import { errors } from "../errors.js";
import type { TypeName } from "../schema/types.js";
import { any, boolean, DataType, double, int, isNumericKind, long, string, timestamp } from "../schema/types.js";

/** Column types as seen by the planner: name → data type. */
export type SchemaFields = Readonly<Record<string, DataType<unknown>>>;

type Row = Record<string, unknown>;
export type Evaluator = (row: Row) => unknown;

/**
 * A column expression (Spark's `Column`): built by {@link col} and {@link lit}, combined with methods,
 * compiled once per query to a plain function of a row. Null in, null out, as in SQL.
 *
 * @example col("value").multiply(1000).cast("timestamp")
 */
export class Column<T = unknown> {
  declare readonly _type: T;

  constructor(
    /** Human-readable form, used as the default output name and in errors. */
    readonly description: string,
    /** Resolves the expression against the input columns: checks names and types, returns an evaluator. */
    readonly bind: (fields: SchemaFields) => { type: DataType<unknown>; evaluate: Evaluator },
  ) {}

  plus(other: ColumnLike): Column<number | null> {
    return arithmetic(this, other, "+", (a, b) => a + b);
  }
  minus(other: ColumnLike): Column<number | null> {
    return arithmetic(this, other, "-", (a, b) => a - b);
  }
  multiply(other: ColumnLike): Column<number | null> {
    return arithmetic(this, other, "*", (a, b) => a * b);
  }
  divide(other: ColumnLike): Column<number | null> {
    return arithmetic(this, other, "/", (a, b) => (b === 0 ? null : a / b), "double");
  }
  mod(other: ColumnLike): Column<number | null> {
    return arithmetic(this, other, "%", (a, b) => (b === 0 ? null : a % b));
  }
  gt(other: ColumnLike): Column<boolean | null> {
    return compare(this, other, ">", (a, b) => a > b);
  }
  geq(other: ColumnLike): Column<boolean | null> {
    return compare(this, other, ">=", (a, b) => a >= b);
  }
  lt(other: ColumnLike): Column<boolean | null> {
    return compare(this, other, "<", (a, b) => a < b);
  }
  leq(other: ColumnLike): Column<boolean | null> {
    return compare(this, other, "<=", (a, b) => a <= b);
  }
  eq(other: ColumnLike): Column<boolean | null> {
    return compare(this, other, "=", (a, b) => a === b);
  }
  neq(other: ColumnLike): Column<boolean | null> {
    return compare(this, other, "!=", (a, b) => a !== b);
  }
  and(other: ColumnLike): Column<boolean | null> {
    return logical(this, other, "AND", true);
  }
  or(other: ColumnLike): Column<boolean | null> {
    return logical(this, other, "OR", false);
  }
  not(): Column<boolean | null> {
    return new Column(`(NOT ${this.description})`, (f) => {
      const e = this.bind(f).evaluate;
      return {
        type: boolean().nullable(),
        evaluate: (r) => {
          const v = e(r);
          return v == null ? null : !v;
        },
      };
    });
  }
  isNull(): Column<boolean> {
    return new Column(`(${this.description} IS NULL)`, (f) => {
      const e = this.bind(f).evaluate;
      return { type: boolean(), evaluate: (r) => e(r) == null };
    });
  }
  isNotNull(): Column<boolean> {
    return new Column(`(${this.description} IS NOT NULL)`, (f) => {
      const e = this.bind(f).evaluate;
      return { type: boolean(), evaluate: (r) => e(r) != null };
    });
  }
  /** Converts to another type. Numbers to `timestamp` are read as epoch milliseconds. */
  cast<K extends "int" | "long" | "double" | "string" | "timestamp" | "boolean">(to: K): Column<CastResult<K>> {
    return new Column(`CAST(${this.description} AS ${to})`, (f) => {
      const e = this.bind(f).evaluate;
      return { type: castType(to), evaluate: castFn(to, e) };
    });
  }
}

type CastResult<K> = K extends "string" ? string | null : K extends "boolean" ? boolean | null : number | null;

export type ColumnLike = Column<unknown> | string | number | boolean | null;

/** A reference to an input column by name. */
export function col<T = unknown>(name: string): Column<T> {
  return new Column<T>(name, (fields) => {
    const type = fields[name];
    if (!type) throw errors.unknownColumn(name, "an expression", Object.keys(fields));
    return { type, evaluate: (r) => r[name] };
  });
}

/** A literal value. */
export function lit<T extends string | number | boolean | null>(value: T): Column<T> {
  const type =
    typeof value === "string"
      ? string()
      : typeof value === "boolean"
        ? boolean()
        : typeof value === "number"
          ? Number.isInteger(value)
            ? long()
            : double()
          : any();
  return new Column<T>(typeof value === "string" ? `'${value}'` : String(value), () => ({ type, evaluate: () => value }));
}

/** Strings passed where a column is expected are column names, as in Spark's Scala API; other values are literals. */
export function toColumn(c: ColumnLike): Column<unknown> {
  if (c instanceof Column) return c;
  return typeof c === "string" ? col(c) : lit(c);
}

function arithmetic(
  left: Column<unknown>,
  right: ColumnLike,
  op: string,
  fn: (a: number, b: number) => number | null,
  forced?: TypeName,
): Column<number | null> {
  const r = toColumn(right);
  return new Column(`(${left.description} ${op} ${r.description})`, (fields) => {
    const a = left.bind(fields);
    const b = r.bind(fields);
    for (const [side, c] of [
      [a, left],
      [b, r],
    ] as const) {
      if (!isNumericKind(side.type.kind) && side.type.kind !== "timestamp" && side.type.kind !== "any") {
        throw errors.wrongColumnType(c.description, `"${op}"`, "a numeric type", side.type.toString());
      }
    }
    const kind = forced ?? widest(a.type.kind, b.type.kind);
    const ea = a.evaluate,
      eb = b.evaluate;
    return {
      type: new DataType(kind, true),
      evaluate: (row) => {
        const x = ea(row),
          y = eb(row);
        return x == null || y == null ? null : fn(x as number, y as number);
      },
    };
  });
}

function widest(a: TypeName, b: TypeName): TypeName {
  if (a === "any" || b === "any") return "any";
  if (a === "double" || b === "double") return "double";
  if (a === "timestamp" || b === "timestamp") return "timestamp";
  return a === "long" || b === "long" ? "long" : "int";
}

function compare(left: Column<unknown>, right: ColumnLike, op: string, fn: (a: any, b: any) => boolean) {
  const r = toColumn(right);
  return new Column<boolean | null>(`(${left.description} ${op} ${r.description})`, (fields) => {
    const ea = left.bind(fields).evaluate,
      eb = r.bind(fields).evaluate;
    return {
      type: boolean().nullable(),
      evaluate: (row) => {
        const x = ea(row),
          y = eb(row);
        return x == null || y == null ? null : fn(x, y);
      },
    };
  });
}

function logical(left: Column<unknown>, right: ColumnLike, op: "AND" | "OR", isAnd: boolean) {
  const r = toColumn(right);
  return new Column<boolean | null>(`(${left.description} ${op} ${r.description})`, (fields) => {
    const ea = left.bind(fields).evaluate,
      eb = r.bind(fields).evaluate;
    // SQL three-valued logic: false AND null = false, true OR null = true.
    return {
      type: boolean().nullable(),
      evaluate: (row) => {
        const x = ea(row),
          y = eb(row);
        if (isAnd) return x === false || y === false ? false : x == null || y == null ? null : true;
        return x === true || y === true ? true : x == null || y == null ? null : false;
      },
    };
  });
}

function castType(to: string): DataType<unknown> {
  const t = { int: int(), long: long(), double: double(), string: string(), timestamp: timestamp(), boolean: boolean() }[to];
  return (t ?? any()).nullable();
}

function castFn(to: string, e: Evaluator): Evaluator {
  switch (to) {
    case "string":
      return (r) => {
        const v = e(r);
        return v == null ? null : String(v);
      };
    case "boolean":
      return (r) => {
        const v = e(r);
        return v == null ? null : Boolean(v);
      };
    case "timestamp":
      return (r) => {
        const v = e(r);
        if (v == null) return null;
        const n = typeof v === "string" ? Date.parse(v) : Number(v);
        return Number.isFinite(n) ? n : null;
      };
    default: {
      const integral = to === "int" || to === "long";
      return (r) => {
        const v = e(r);
        if (v == null) return null;
        const n = Number(v);
        return Number.isFinite(n) ? (integral ? Math.trunc(n) : n) : null;
      };
    }
  }
}
