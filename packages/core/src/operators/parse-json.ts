import type { OperatorFunction } from "rxjs";
import type { MalformedRecord, MicroBatch, Row } from "../batch/micro-batch.js";
import { errorMessage, errors } from "../errors.js";
import type { ParseMode } from "../plan/nodes.js";
import type { Fields } from "../schema/types.js";
import { converterFor, INVALID } from "../schema/validate-value.js";
import { batchOperator, literalKey, withRows } from "./batch-operator.js";

export interface ParseJsonConfig {
  readonly id: number;
  readonly column: string;
  readonly fields: Fields;
  readonly mode: ParseMode;
  readonly keep: readonly string[];
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Spark's `from_json`. A value that is not JSON, not an object, or whose fields do not fit the schema is
 * malformed: counted in `numRowsMalformed`, then (by mode) a row of nulls, dropped, quarantined with its
 * raw value and reason, or a query failure.
 */
export function parseJson(config: ParseJsonConfig): OperatorFunction<MicroBatch<Row>, MicroBatch<Row>> {
  const { id, column, fields, mode, keep } = config;
  const names = Object.keys(fields);
  const converters = names.map((n) => converterFor(fields[n]!));
  const build = compileBuilder(keep, names, false);
  const buildNulls = compileBuilder(keep, names, true);
  return batchOperator(`parseJson("${column}")`, (batch) => {
    const rows = batch.rows;
    const out: Row[] = [];
    let quarantine: MalformedRecord[] | undefined;
    for (let i = 0; i < rows.length; i++) {
      const src = rows[i]!;
      const raw = src[column];
      let parsed: unknown;
      let reason: string | undefined;
      try {
        parsed = JSON.parse(typeof raw === "string" ? raw : decodeBytes(raw));
      } catch (e) {
        reason = `not valid JSON: ${errorMessage(e)}`;
      }
      if (reason === undefined) {
        if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
          const row = build(src, parsed as Row, converters, INVALID);
          if (row !== INVALID) {
            out.push(row as Row);
            continue;
          }
          reason = explain(parsed as Row, names, converters, fields);
        } else {
          reason = `expected a JSON object, got ${parsed === null ? "null" : Array.isArray(parsed) ? "an array" : typeof parsed}`;
        }
      }
      batch.ctx.numRowsMalformed++;
      switch (mode) {
        case "permissive":
          out.push(buildNulls(src, src, converters, INVALID) as Row);
          break;
        case "dropMalformed":
          break;
        case "quarantine":
          (quarantine ??= batch.ctx.sideOutput(batch.ctx.deadLetters, id)).push({ raw, reason, batchId: batch.batchId, ...origin(src) });
          break;
        case "failFast":
          throw errors.malformedFailFast(`row ${i} of batch ${batch.batchId}: ${reason}`);
      }
    }
    return withRows(batch, out);
  });
}

/** A Kafka record's coordinates, when the input row has them (for dead letters). */
function origin(src: Row): Pick<MalformedRecord, "source"> | undefined {
  if (typeof src.partition !== "number" || typeof src.offset !== "number") return undefined;
  return { source: { topic: typeof src.topic === "string" ? src.topic : undefined, partition: src.partition, offset: src.offset } };
}

function decodeBytes(raw: unknown): string {
  if (raw instanceof Uint8Array) return decoder.decode(raw);
  if (raw === null || raw === undefined) throw new Error("value is null");
  throw new Error(`value is a ${typeof raw}, not a string or bytes`);
}

type Builder = (src: Row, obj: Row, conv: ((v: unknown) => unknown)[], invalid: symbol) => Row | symbol;

/**
 * Compiles one function that converts every field and builds the output row in a single object literal,
 * so parsed rows share one hidden class and the per-row path has no loops over field names.
 */
function compileBuilder(keep: readonly string[], names: readonly string[], allNull: boolean): Builder {
  const lines: string[] = [];
  names.forEach((n, i) => {
    if (allNull) {
      lines.push(`const f${i} = null;`);
      return;
    }
    lines.push(`const f${i} = conv[${i}](obj[${JSON.stringify(n)}]);`);
    lines.push(`if (f${i} === invalid) return invalid;`);
  });
  const props = [...keep.map((k) => `${literalKey(k)}: src[${JSON.stringify(k)}]`), ...names.map((n, i) => `${literalKey(n)}: f${i}`)];
  lines.push(`return {${props.join(", ")}};`);
  return new Function("src", "obj", "conv", "invalid", lines.join("\n")) as Builder;
}

function explain(obj: Row, names: readonly string[], conv: ((v: unknown) => unknown)[], fields: Fields): string {
  for (let i = 0; i < names.length; i++) {
    const v = obj[names[i]!];
    if (conv[i]!(v) === INVALID) {
      return v === undefined || v === null
        ? `field "${names[i]}" is missing or null but its type ${fields[names[i]!]} is not nullable`
        : `field "${names[i]}" has value ${preview(v)}, which is not a valid ${fields[names[i]!]}`;
    }
  }
  return "record does not match the schema";
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
