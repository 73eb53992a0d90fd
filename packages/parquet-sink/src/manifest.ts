import { join } from "node:path";
import { parquetErrors } from "./errors.js";
import { list, readText, rename, syncDirs, writeAtomic } from "./file-io.js";

/**
 * `<path>/_skp_metadata/`, the sink's log (after Spark's `_spark_metadata`):
 *
 *     <N>                   batch N committed: {"v":1,"files":[{"path":"id=3/part-...parquet","rows":120,"tmp":..}],"queryId":..}
 *     .<N>.pending          batch N's files are written (hidden) and about to be renamed; renamed to <N> once they are in place
 *     compact-<K>           compaction K done: {"v":1,"inputs":[...],"output":{"path":..,"rows":..}}
 *     .compact-<K>.pending  compaction K is about to swap files in
 *
 * A batch is committed once `<N>` exists. A crash between `.pending` and `<N>` is rolled forward on
 * restart (the files are complete and durable), so the batch is never half-visible for long, and
 * never twice.
 */
export interface FileEntry {
  path: string;
  rows: number;
  tmp?: string;
}

export interface BatchManifest {
  v: 1;
  files: FileEntry[];
  /** The query that wrote the batch (its checkpoint's id), so another query cannot silently skip batches here. */
  queryId?: string;
}

export interface CompactionRecord {
  v: 1;
  inputs: string[];
  output: FileEntry;
}

export const METADATA_DIR = "_skp_metadata";

export class SinkLog {
  readonly dir: string;

  constructor(readonly root: string) {
    this.dir = join(root, METADATA_DIR);
  }

  async batchIds(): Promise<number[]> {
    return (await list(this.dir)).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  }

  async pendingBatches(): Promise<number[]> {
    return (await list(this.dir)).map((n) => /^\.(\d+)\.pending$/.exec(n)?.[1]).filter((x): x is string => !!x).map(Number);
  }

  async compactionIds(): Promise<{ done: number[]; pending: number[] }> {
    const names = await list(this.dir);
    const ids = (re: RegExp) => names.map((n) => re.exec(n)?.[1]).filter((x): x is string => !!x).map(Number).sort((a, b) => a - b);
    return { done: ids(/^compact-(\d+)$/), pending: ids(/^\.compact-(\d+)\.pending$/) };
  }

  read<T>(name: string): Promise<T | undefined> {
    return this.readJson<T>(join(this.dir, name));
  }

  write(name: string, value: unknown): Promise<void> {
    return writeAtomic(join(this.dir, name), JSON.stringify(value));
  }

  /** Renames a durable log entry (an intent) to its final name, durably. */
  async promote(from: string, to: string): Promise<void> {
    await rename(join(this.dir, from), join(this.dir, to));
    await syncDirs([this.dir]);
  }

  private async readJson<T>(file: string): Promise<T | undefined> {
    const text = await readText(file);
    if (text === undefined) return undefined;
    try {
      const value = JSON.parse(text);
      if (value?.v !== 1) throw new Error(`unknown version ${JSON.stringify(value?.v)}`);
      return value as T;
    } catch (e) {
      throw parquetErrors.corruptMetadata(file, e instanceof Error ? e.message : String(e));
    }
  }
}

/**
 * The committed data files now, from the log alone: every batch's files, minus those a compaction
 * replaced, plus its outputs. For readers that want exactly the committed set without listing.
 */
export async function committedFiles(root: string): Promise<FileEntry[]> {
  const log = new SinkLog(root);
  const files = new Map<string, FileEntry>();
  for (const id of await log.batchIds()) for (const f of (await log.read<BatchManifest>(String(id)))!.files) files.set(f.path, { path: f.path, rows: f.rows });
  for (const id of (await log.compactionIds()).done) {
    const c = (await log.read<CompactionRecord>(`compact-${id}`))!;
    for (const input of c.inputs) files.delete(input);
    files.set(c.output.path, { path: c.output.path, rows: c.output.rows });
  }
  return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
