/**
 * Reads a run's Parquet output back with hyparquet and checks it against the producer's ledger:
 * row count and average `value` per id — and that every malformed message the producer sent is in
 * the dead-letter topic (once, by its Kafka coordinates).
 *
 *   pnpm validate --run-id 1730874341
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { memorySink, readStream } from "@skp/core";
import { kafkaSource } from "@skp/kafka-source";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import type { PipelineConfig } from "./config.js";
import { ledgerFile, readConfig, runDir } from "./config.js";
import type { Ledger } from "./producer.js";

export interface Validation {
  rows: number;
  /** Malformed messages in the dead-letter topic from this run's Parquet query (each once). */
  deadLetters: number | undefined;
  perId: { id: number; rows: number; avg: number; sentRows?: number; sentAvg?: number }[];
  matches: boolean | undefined;
  report: string;
}

/** Every visible Parquet file under `dir` (skipping `_` and `.` entries, as pandas and DuckDB do). */
function parquetFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, prefix))) {
    if (name.startsWith("_") || name.startsWith(".")) continue;
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(join(dir, rel)).isDirectory()) out.push(...parquetFiles(dir, rel));
    else if (name.endsWith(".parquet")) out.push(rel);
  }
  return out;
}

export async function validate(config: PipelineConfig): Promise<Validation> {
  const dir = runDir(config);
  const stats = new Map<number, { rows: number; sum: number }>();
  let rows = 0;
  for (const rel of parquetFiles(dir)) {
    const id = Number(/(?:^|\/)id=([^/]+)\//.exec(rel)?.[1]);
    const data = await parquetReadObjects({ file: await asyncBufferFromFile(join(dir, rel)), columns: ["value"] });
    const s = stats.get(id) ?? { rows: 0, sum: 0 };
    for (const r of data) {
      s.rows++;
      s.sum += Number(r.value);
    }
    stats.set(id, s);
    rows += data.length;
  }
  let ledger: Ledger | undefined;
  try {
    ledger = JSON.parse(readFileSync(ledgerFile(config), "utf8"));
  } catch {
    /* the producer ran elsewhere: report without comparing */
  }
  const ids = [...new Set([...stats.keys(), ...Object.keys(ledger?.perId ?? {}).map(Number)])].sort((a, b) => a - b);
  const perId = ids.map((id) => {
    const s = stats.get(id) ?? { rows: 0, sum: 0 };
    const sent = ledger?.perId[id];
    return {
      id,
      rows: s.rows,
      avg: s.rows ? s.sum / s.rows : NaN,
      sentRows: sent?.count,
      sentAvg: sent ? sent.sum / sent.count : undefined,
    };
  });
  const deadLetters = await countDeadLetters(config);
  const malformedSent = ledger?.malformed ?? 0;
  const matches = ledger
    ? rows === ledger.sent &&
      (deadLetters ?? 0) === malformedSent &&
      perId.every((p) => p.rows === p.sentRows && Math.abs(p.avg - (p.sentAvg ?? NaN)) <= 1e-9 * Math.max(1, Math.abs(p.avg)))
    : undefined;
  const lines = [
    `Parquet run ${dir}: ${rows} rows in ${parquetFiles(dir).length} files${ledger ? `; producer sent ${ledger.sent}` : ""}`,
    `Dead letters in "${config.dlqTopic}" from this run: ${deadLetters ?? "(topic not readable)"}${ledger ? `; producer sent ${malformedSent} malformed` : ""}`,
    "| id | rows | avg(value) | sent | sent avg |",
    "|---:|---:|---:|---:|---:|",
    ...perId.map((p) => `| ${p.id} | ${p.rows} | ${p.avg.toFixed(3)} | ${p.sentRows ?? "-"} | ${p.sentAvg?.toFixed(3) ?? "-"} |`),
    matches === undefined
      ? "No producer ledger for this run: counts shown, not compared."
      : matches
        ? "MATCH: every event the producer sent is in the Parquet output exactly once, with the same per-id averages, and every malformed message is in the dead-letter topic."
        : "MISMATCH: the Parquet output or the dead letters differ from what the producer sent.",
  ];
  return { rows, deadLetters, perId, matches, report: lines.join("\n") };
}

/**
 * The distinct dead letters this run's Parquet query wrote (its query id, from its checkpoint): a
 * message written twice by an at-least-once replay has the same source coordinates, and counts once.
 */
async function countDeadLetters(config: PipelineConfig): Promise<number | undefined> {
  let queryId: string;
  try {
    queryId = (JSON.parse(readFileSync(join(runDir(config), "_chk", "metadata"), "utf8")) as { id: string }).id;
  } catch {
    return undefined;
  }
  try {
    const sink = memorySink<{ headers: Record<string, string | null> }>();
    const q = await readStream(
      kafkaSource({ brokers: config.brokers, topic: config.dlqTopic, startingOffsets: "earliest", logLevel: "nothing" }),
    )
      .select("headers")
      .writeStream.trigger({ availableNow: true })
      .format(sink)
      .start();
    await q.awaitTermination();
    const seen = new Set<string>();
    for (const { headers: h } of sink.rows) {
      if (h["skp-query-id"] === queryId) seen.add(`${h["skp-dlq-topic"]}/${h["skp-dlq-partition"]}/${h["skp-dlq-offset"]}`);
    }
    return seen.size;
  } catch {
    return undefined;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await validate(readConfig());
  console.log(result.report);
  process.exit(result.matches === false ? 1 : 0);
}
