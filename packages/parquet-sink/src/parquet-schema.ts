import type { DataType, Fields } from "@skp/core";
import { parquetErrors } from "./errors.js";

/** hyparquet's SchemaElement, the subset we write. */
export interface SchemaElement {
  name: string;
  type?: "BOOLEAN" | "INT32" | "INT64" | "DOUBLE" | "BYTE_ARRAY";
  repetition_type?: "REQUIRED" | "OPTIONAL";
  converted_type?: "UTF8" | "JSON" | "TIMESTAMP_MILLIS" | "TIMESTAMP_MICROS";
  logical_type?: { type: "TIMESTAMP"; isAdjustedToUTC: boolean; unit: "MILLIS" | "MICROS" } | { type: "STRING" } | { type: "JSON" };
  num_children?: number;
}

/** One output column: its Parquet schema element and how a row value becomes a Parquet value. */
export interface ColumnPlan {
  /** Path of the value in a row: `["value"]`, or `["window", "start"]` for a flattened struct. */
  path: readonly string[];
  element: SchemaElement;
  convert: (value: unknown) => unknown;
  /** INT64 columns: the Parquet value is the row's number times this (1000 for microsecond timestamps; default 1). */
  scale?: number;
}

export type TimestampUnit = "millis" | "micros";

/**
 * Maps skp columns to Parquet: int → INT32, long → INT64, double → DOUBLE, boolean → BOOLEAN,
 * string → UTF8, timestamp → INT64 TIMESTAMP(UTC, millis or micros), binary → BYTE_ARRAY, computed
 * (`any`) columns → JSON text. Struct columns (windows) are flattened to `<name>_<field>` columns.
 */
export function planColumns(fields: Fields, exclude: readonly string[], unit: TimestampUnit): ColumnPlan[] {
  const out: ColumnPlan[] = [];
  for (const [name, type] of Object.entries(fields)) {
    if (exclude.includes(name)) continue;
    if (type.kind === "struct") {
      for (const [sub, subType] of Object.entries(type.fields ?? {})) {
        out.push(column([name, sub], `${name}_${sub}`, subType.isNullable || type.isNullable ? subType.nullable() : subType, unit));
      }
    } else out.push(column([name], name, type, unit));
  }
  return out;
}

function column(path: string[], name: string, type: DataType<unknown>, unit: TimestampUnit): ColumnPlan {
  const repetition_type = type.isNullable ? "OPTIONAL" : "REQUIRED";
  const same = (v: unknown) => v;
  switch (type.kind) {
    case "boolean":
      return { path, element: { name, type: "BOOLEAN", repetition_type }, convert: same };
    case "int":
      return { path, element: { name, type: "INT32", repetition_type }, convert: same };
    case "long":
      return { path, element: { name, type: "INT64", repetition_type }, convert: (v) => (v == null ? null : BigInt(v as number)) };
    case "double":
      return { path, element: { name, type: "DOUBLE", repetition_type }, convert: same };
    case "string":
      return {
        path,
        element: { name, type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" }, repetition_type },
        convert: same,
      };
    case "binary":
      return { path, element: { name, type: "BYTE_ARRAY", repetition_type }, convert: same };
    case "timestamp": {
      const micros = unit === "micros";
      return {
        path,
        element: {
          name,
          type: "INT64",
          repetition_type,
          converted_type: micros ? "TIMESTAMP_MICROS" : "TIMESTAMP_MILLIS",
          logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: micros ? "MICROS" : "MILLIS" },
        },
        convert: (v) => (v == null ? null : BigInt(Math.round(micros ? (v as number) * 1000 : (v as number)))),
        scale: micros ? 1000 : 1,
      };
    }
    case "any":
      return {
        path,
        element: { name, type: "BYTE_ARRAY", converted_type: "JSON", logical_type: { type: "JSON" }, repetition_type: "OPTIONAL" },
        convert: (v) => (v === undefined ? null : v), // hyparquet-writer serializes JSON columns itself
      };
    default:
      throw parquetErrors.badOption(
        "schema",
        `${name}: ${type}`,
        "columns of type boolean, int, long, double, string, timestamp, binary or struct",
      );
  }
}
