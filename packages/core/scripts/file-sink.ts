import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sink } from "../src/index.js";

/**
 * The crash harness's idempotent sink: one JSON file per batch id, written atomically (temp, fsync,
 * rename); an existing file means the batch is already committed, so a replay writes nothing.
 */
export function batchFileSink(dir: string): Sink<Record<string, unknown>> {
  mkdirSync(dir, { recursive: true });
  return {
    description: `FileSink[${dir}]`,
    addBatch(batchId, rows) {
      const file = join(dir, `batch-${String(batchId).padStart(6, "0")}.json`);
      if (existsSync(file)) return;
      const tmp = join(dir, `.batch-${batchId}.${process.pid}.tmp`);
      writeFileSync(tmp, JSON.stringify(rows));
      const fd = openSync(tmp, "r");
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, file);
    },
  };
}
