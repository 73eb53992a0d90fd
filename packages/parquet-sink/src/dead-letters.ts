import { join } from "node:path";
import type { MalformedRecord, Sink } from "@skp/core";
import { mkdir, readText, writeAtomic } from "./file-io.js";

/** Where a Parquet dataset's malformed records go: a folder every reader of the dataset skips (`_`). */
export const DEAD_LETTER_DIR = "_malformed";

/** One dead letter as a JSON line: the raw value exactly (bytes in base64), why, and where it came from. */
function line(r: MalformedRecord): string {
  const raw = r.raw;
  const bytes = raw instanceof Uint8Array;
  return JSON.stringify({
    batchId: r.batchId,
    reason: r.reason,
    raw: bytes ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64") : (raw ?? null),
    rawEncoding: bytes ? "base64" : typeof raw === "string" ? "utf8" : "json",
    topic: r.source?.topic ?? null,
    partition: r.source?.partition ?? null,
    offset: r.source?.offset ?? null,
  });
}

/**
 * The dataset's dead letters, beside its data: `<path>/_malformed/batch-<id>.jsonl`, one JSON line per
 * malformed record, written atomically once per batch id (a replayed batch finds its file and writes
 * nothing). JSON lines, not Parquet: pandas, pyarrow and Spark skip `_` folders, and DuckDB's
 * `read_parquet('<path>/**\/*.parquet')` matches no `.jsonl` file — so no reader of the main dataset sees
 * them, and a person fixing the producer can read them with any tool.
 */
export function deadLetterDataset(path: string): Sink<MalformedRecord> {
  const dir = join(path, DEAD_LETTER_DIR);
  return {
    description: `ParquetSink[${path}] dead letters (${DEAD_LETTER_DIR}/)`,
    async addBatch(batchId, records) {
      if (records.length === 0) return;
      const file = join(dir, `batch-${String(batchId).padStart(8, "0")}.jsonl`);
      if ((await readText(file)) !== undefined) return;
      await mkdir(dir, { recursive: true });
      await writeAtomic(file, `${records.map(line).join("\n")}\n`);
    },
  };
}
