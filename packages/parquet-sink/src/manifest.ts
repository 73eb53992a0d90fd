import { join } from "node:path";
import { parquetErrors } from "./errors.js";
import { list, readText, writeAtomic } from "./file-io.js";

/**
 * `<path>/_skp_metadata/`, the sink's log (after Spark's `_spark_metadata`):
 *
 *     <N>                   batch N committed: {"v":1,"files":[{"path":"id=3/part-...parquet","rows":120,"tmp":..}],"queryId":..}
 *     .part-<N>-<uuid>...tmp  a data file of batch N, written and fsynced here before the commit, moved into place after it
 *     .<N>.commit.tmp       batch N's record being written; renamed to <N> to commit
 *     compact-<K>           compaction K done: {"v":1,"inputs":[...],"output":{"path":..,"rows":..}}
 *     .compact-<K>.pending  compaction K is about to swap files in
 *
 * A batch is committed once `<N>` exists and the directory is synced: its files are then durable,
 * staged or in place (`tmp` is the staged name), so restart recovery can always finish moving them.
 * Files and record share this directory so that one fsync makes them all durable at once.
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
