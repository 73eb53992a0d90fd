import type { DataType, Fields } from "../schema/types.js";
import { formatTimestamp } from "../util/time.js";

/** Renders one cell the way Spark's `Dataset.show` does (UTC timestamps, `2.0` for integral doubles). */
export function formatCell(value: unknown, type: DataType<unknown> | undefined): string {
  if (value === null || value === undefined) return "null";
  switch (type?.kind) {
    case "timestamp":
      return typeof value === "number" ? formatTimestamp(value) : String(value);
    case "double":
      return typeof value === "number" && Number.isInteger(value) ? `${value}.0` : String(value);
    case "struct": {
      const fields = type.fields ?? {};
      const obj = value as Record<string, unknown>;
      return `{${Object.keys(fields)
        .map((k) => formatCell(obj[k], fields[k]))
        .join(", ")}}`;
    }
    case "binary":
      return value instanceof Uint8Array
        ? `[${[...value].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(" ")}]`
        : String(value);
    default:
      return typeof value === "object" ? (JSON.stringify(value) ?? String(value)) : String(value);
  }
}

/**
 * Spark's `show(numRows, truncate)` table. With `truncate`, cells longer than 20 characters are cut to
 * 17 plus `...` and right-aligned; without it, cells are left-aligned in full.
 */
export function formatTable(rows: readonly Record<string, unknown>[], fields: Fields, numRows: number, truncate: boolean): string {
  const columns = Object.keys(fields);
  const shown = rows.slice(0, numRows);
  const cells = shown.map((r) => columns.map((c) => cut(formatCell(r[c], fields[c]), truncate)));
  const widths = columns.map((c, i) => Math.max(3, cut(c, truncate).length, ...cells.map((row) => row[i]!.length)));
  const pad = (s: string, w: number) => (truncate ? s.padStart(w) : s.padEnd(w));
  const line = `+${widths.map((w) => "-".repeat(w)).join("+")}+`;
  const render = (row: string[]) => `|${row.map((s, i) => pad(s, widths[i]!)).join("|")}|`;
  const out = [line, render(columns.map((c) => cut(c, truncate))), line, ...cells.map(render), line];
  if (rows.length > numRows) out.push(`only showing top ${numRows} row${numRows === 1 ? "" : "s"}`);
  return out.join("\n");
}

function cut(s: string, truncate: boolean): string {
  return truncate && s.length > 20 ? `${s.slice(0, 17)}...` : s;
}
