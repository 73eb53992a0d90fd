import { join } from "node:path";
import { errorMessage } from "@skp/core";
import { parquetErrors } from "./errors.js";
import { list, readText, rm, writeAtomic } from "./file-io.js";

/**
 * `<path>/_skp_metadata/`, the sink's log (after Spark's `_spark_metadata`):
 *
 *     <N>                   batch N committed: {"v":1,"files":[{"path":"id=3/part-...parquet","rows":120,"tmp":..}],"queryId":..}
 *     .part-<N>-<uuid>...tmp  a data file of batch N, written and fsynced here before the commit, moved into place after it
 *     .<N>.commit.tmp       batch N's record being written; renamed to <N> to commit
 *     compact-<K>           compaction K done: {"v":1,"inputs":[...],"output":{"path":..,"rows":..}}
 *     .compact-<K>.pending  compaction K is about to swap files in
 *     snapshot-<N>          every committed file as of batch N and compaction K (`compactionId`); the
 *                           records it folds in are deleted, so the log stays small (Spark compacts its
 *                           sink log the same way, every 10 batches)
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

/** The committed files as of batch `batchId` and compaction `compactionId` (-1: none yet). */
export interface LogSnapshot {
  v: 1;
  batchId: number;
  compactionId: number;
  files: FileEntry[];
}

export const METADATA_DIR = "_skp_metadata";

/** What the log says is committed: the files, and the last compaction it has seen (-1: none). */
export interface CommittedState {
  files: FileEntry[];
  lastCompaction: number;
}

export class SinkLog {
  readonly dir: string;

  constructor(readonly root: string) {
    this.dir = join(root, METADATA_DIR);
  }

  async batchIds(): Promise<number[]> {
    return (await list(this.dir))
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  }

  async compactionIds(): Promise<{ done: number[]; pending: number[] }> {
    const names = await list(this.dir);
    const ids = (re: RegExp) =>
      names
        .map((n) => re.exec(n)?.[1])
        .filter((x): x is string => !!x)
        .map(Number)
        .sort((a, b) => a - b);
    return { done: ids(/^compact-(\d+)$/), pending: ids(/^\.compact-(\d+)\.pending$/) };
  }

  async latestSnapshot(): Promise<LogSnapshot | undefined> {
    const ids = (await list(this.dir))
      .map((n) => /^snapshot-(\d+)$/.exec(n)?.[1])
      .filter((x): x is string => !!x)
      .map(Number);
    return ids.length ? this.read<LogSnapshot>(`snapshot-${Math.max(...ids)}`) : undefined;
  }

  /** The committed files from the latest snapshot and the records after it. */
  async committed(): Promise<CommittedState> {
    const snapshot = await this.latestSnapshot();
    const snapshotBatch = snapshot?.batchId ?? -1,
      snapshotCompaction = snapshot?.compactionId ?? -1;
    const files = new Map<string, FileEntry>(snapshot?.files.map((f) => [f.path, f]));
    const batches = (await this.batchIds()).filter((id) => id > snapshotBatch);
    for (const id of batches)
      for (const f of (await this.read<BatchManifest>(String(id)))!.files) files.set(f.path, { path: f.path, rows: f.rows });
    const compactions = (await this.compactionIds()).done.filter((id) => id > snapshotCompaction);
    for (const id of compactions) {
      const c = (await this.read<CompactionRecord>(`compact-${id}`))!;
      for (const input of c.inputs) files.delete(input);
      files.set(c.output.path, { path: c.output.path, rows: c.output.rows });
    }
    return {
      files: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      lastCompaction: compactions.at(-1) ?? snapshotCompaction,
    };
  }

  /**
   * Folds everything up to batch `batchId` into `snapshot-<batchId>` and deletes the records it
   * replaces (keeping batch `batchId`'s own, which names the query and is the last commit). The
   * caller must first have made every move of those batches durable: their records are what
   * recovery would move a staged file back by.
   */
  async snapshot(batchId: number): Promise<void> {
    const state = await this.committed();
    await this.write(`snapshot-${batchId}`, {
      v: 1,
      batchId,
      compactionId: state.lastCompaction,
      files: state.files,
    } satisfies LogSnapshot);
    for (const name of await list(this.dir)) {
      const old = /^\d+$/.test(name)
        ? Number(name) < batchId
        : /^compact-\d+$/.test(name)
          ? Number(name.slice(8)) <= state.lastCompaction
          : /^snapshot-\d+$/.test(name) && Number(name.slice(9)) < batchId;
      if (old) await rm(join(this.dir, name), { force: true });
    }
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
      throw parquetErrors.corruptMetadata(file, errorMessage(e));
    }
  }
}

/**
 * The committed data files now, from the log alone: the latest snapshot, the batches after it, minus
 * what compactions replaced, plus their outputs. For readers that want exactly the committed set
 * without listing.
 */
export async function committedFiles(root: string): Promise<FileEntry[]> {
  return (await new SinkLog(root).committed()).files;
}
