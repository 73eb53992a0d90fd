import { formatTimestamp } from "@skp/core";

/** Spark's name for a null or empty partition value (`ExternalCatalogUtils.DEFAULT_PARTITION_NAME`). */
export const DEFAULT_PARTITION_NAME = "__HIVE_DEFAULT_PARTITION__";

/** Characters Spark escapes in partition directory names (`ExternalCatalogUtils.escapePathName`). */
const ESCAPED = new Set(['"', "#", "%", "'", "*", "/", ":", "=", "?", "\\", "\u007f", "{", "[", "]", "^"]);

/** Escapes a partition value or column name for a directory name, as Spark does (`%XX`). */
export function escapePathName(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || ESCAPED.has(ch) ? `%${code.toString(16).toUpperCase().padStart(2, "0")}` : ch;
  }
  return out;
}

/** The inverse of {@link escapePathName}. */
export function unescapePathName(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** `col=value` for one partition column; timestamps as Spark renders them (`2025-11-06 07:00:00`). */
export function partitionSegment(column: string, value: unknown, kind: string | undefined): string {
  let text: string;
  if (value === null || value === undefined || value === "") text = DEFAULT_PARTITION_NAME;
  else if (kind === "timestamp" && typeof value === "number") text = escapePathName(formatTimestamp(value));
  else text = escapePathName(String(value));
  return `${escapePathName(column)}=${text}`;
}
