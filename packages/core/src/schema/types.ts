/**
 * Data types with phantom TypeScript types, in the style of zod: each value carries the TS type of the
 * data it describes, so a schema built from these constructors infers its row type.
 */
export type TypeName = "boolean" | "int" | "long" | "double" | "string" | "timestamp" | "binary" | "struct" | "any";

/** Fields of a struct type: column name → data type. */
export type Fields = { readonly [name: string]: DataType<unknown> };

export class DataType<T> {
  /** Phantom: the TypeScript type of a value of this type. Never set at run time. */
  declare readonly _type: T;

  constructor(
    readonly kind: TypeName,
    /** Whether `null` is a valid value. Fields are non-null unless made `.nullable()`. */
    readonly isNullable = false,
    /** Only for `struct`: its fields. */
    readonly fields?: Fields,
  ) {}

  /** The same type, also accepting `null`. */
  nullable(): DataType<T | null> {
    return new DataType<T | null>(this.kind, true, this.fields);
  }

  /** Spark-style name, used in error messages and the console. */
  toString(): string {
    const base =
      this.kind === "struct"
        ? `struct<${Object.entries(this.fields ?? {})
            .map(([k, v]) => `${k}:${v}`)
            .join(",")}>`
        : this.kind;
    return this.isNullable ? `${base}?` : base;
  }
}

/** The TypeScript type described by a data type. */
export type TypeOf<D> = D extends DataType<infer T> ? T : never;

/** Flattens intersections so editor hovers show a plain object type. */
export type Prettify<T> = { [K in keyof T]: T[K] } & {};

export const boolean = () => new DataType<boolean>("boolean");
/** 32-bit signed integer. */
export const int = () => new DataType<number>("int");
/** 64-bit integer held as a JS number: values must be safe integers (|v| ≤ 2^53 − 1). */
export const long = () => new DataType<number>("long");
export const double = () => new DataType<number>("double");
export const string = () => new DataType<string>("string");
/** Event time: epoch milliseconds (UTC) inside; ISO-8601 strings or epoch-ms numbers in JSON. */
export const timestamp = () => new DataType<number>("timestamp");
export const binary = () => new DataType<Uint8Array>("binary");
/** A value whose type is not known at plan time (e.g. a column computed by a function). */
export const any = <T = unknown>() => new DataType<T>("any", true);

export type StructType<F extends Fields> = DataType<Prettify<{ -readonly [K in keyof F]: TypeOf<F[K]> }>> & {
  readonly fields: F;
};

/** A struct (row) type: `struct({ id: int(), ts: timestamp() })`. */
export function struct<F extends Fields>(fields: F): StructType<F> {
  return new DataType("struct", false, fields) as StructType<F>;
}

/** Row type of a schema: `Infer<typeof schema>`. */
export type Infer<S> = S extends DataType<infer T> ? T : never;

/** Window columns: `{ start, end }` in epoch ms, half-open `[start, end)`. */
export interface WindowValue {
  start: number;
  end: number;
}

export const windowType = () => struct({ start: timestamp(), end: timestamp() });

export function isNumericKind(kind: TypeName): boolean {
  return kind === "int" || kind === "long" || kind === "double";
}

/** Types usable as event time: timestamps, epoch-ms integers, or (unchecked) computed columns. */
export function isEventTimeKind(kind: TypeName): boolean {
  return kind === "timestamp" || kind === "long" || kind === "int" || kind === "any";
}
