import { parseIsoUtc } from "./iso-timestamp.js";
import type { DataType } from "./types.js";

/** Marker returned by converters when a value does not fit its type. */
export const INVALID: unique symbol = Symbol("skp.invalid");
export type Converter = (value: unknown) => unknown;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Strings without an offset are read as UTC (Spark's default session time zone here), not local time. */
const HAS_ZONE = /(?:[zZ]|[+-]\d\d(?::?\d\d)?)$/;

export function parseTimestamp(value: string): number {
  const canonical = parseIsoUtc(value);
  if (canonical !== undefined) return canonical;
  // Other shapes: add `Z` when the string carries no zone at all.
  const text = value.charCodeAt(value.length - 1) === 90 || value.length <= 10 || HAS_ZONE.test(value) ? value : `${value}Z`;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? (INVALID as unknown as number) : ms;
}

/**
 * Builds a converter from a JSON value to the engine's representation of `type`, returning
 * {@link INVALID} when the value does not fit. Built once per schema, so the per-row path is a switch-free call.
 */
export function converterFor(type: DataType<unknown>): Converter {
  const nullable = type.isNullable;
  const onNull = nullable ? null : INVALID;
  switch (type.kind) {
    case "boolean":
      return (v) => (typeof v === "boolean" ? v : v == null ? onNull : INVALID);
    case "int":
      return (v) => (typeof v === "number" && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? v : v == null ? onNull : INVALID);
    case "long":
      return (v) => (typeof v === "number" && Number.isSafeInteger(v) ? v : v == null ? onNull : INVALID);
    case "double":
      return (v) => (typeof v === "number" && Number.isFinite(v) ? v : v == null ? onNull : INVALID);
    case "string":
      return (v) => (typeof v === "string" ? v : v == null ? onNull : INVALID);
    case "timestamp":
      return (v) => {
        if (typeof v === "string") return parseTimestamp(v);
        if (typeof v === "number") return Number.isFinite(v) ? v : INVALID;
        return v == null ? onNull : INVALID;
      };
    case "binary":
      return (v) => {
        if (v instanceof Uint8Array) return v;
        if (typeof v === "string") return base64ToBytes(v);
        return v == null ? onNull : INVALID;
      };
    case "struct": {
      const names = Object.keys(type.fields ?? {});
      const convs = names.map((n) => converterFor(type.fields![n]!));
      return (v) => {
        if (v == null) return onNull;
        if (typeof v !== "object" || Array.isArray(v)) return INVALID;
        const src = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) {
          const c = convs[i]!(src[names[i]!]);
          if (c === INVALID) return INVALID;
          out[names[i]!] = c;
        }
        return out;
      };
    }
    case "any":
      return (v) => v;
  }
}

function base64ToBytes(text: string): Uint8Array | typeof INVALID {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return INVALID;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
