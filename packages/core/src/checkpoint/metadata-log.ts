import { errorMessage, errors } from "../errors.js";
import type { CheckpointFileSystem } from "./file-system.js";

/** Spark's MetadataLog: one entry per batch id, written once. */
export interface MetadataLog<T> {
  /** Writes the entry for `batchId` atomically; returns false (writing nothing) if it exists. */
  add(batchId: number, metadata: T): Promise<boolean>;
  get(batchId: number): Promise<T | undefined>;
  /** The highest batch id and its entry. */
  getLatest(): Promise<[number, T] | undefined>;
  /** Removes entries with batch id below `threshold`. */
  purge(threshold: number): Promise<void>;
}

export interface LogSerializer<T> {
  serialize(value: T): string;
  /** Parses file text; throws a plain Error saying what is wrong (the log adds the file name). */
  deserialize(text: string): T;
}

/**
 * One numbered file per batch in a directory (Spark's HDFSMetadataLog): `<dir>/<batchId>`, written by
 * temp file + rename, so a reader sees a whole entry or none. A file that does not parse is an error
 * naming it — never a silent restart from scratch.
 */
export class FileMetadataLog<T> implements MetadataLog<T> {
  constructor(
    private readonly fs: CheckpointFileSystem,
    readonly dir: string,
    private readonly serializer: LogSerializer<T>,
  ) {}

  async add(batchId: number, metadata: T): Promise<boolean> {
    const file = this.file(batchId);
    if ((await this.fs.read(file)) !== undefined) return false;
    await this.fs.writeAtomic(file, this.serializer.serialize(metadata));
    return true;
  }

  async get(batchId: number): Promise<T | undefined> {
    const file = this.file(batchId);
    const text = await this.fs.read(file);
    if (text === undefined) return undefined;
    try {
      return this.serializer.deserialize(text);
    } catch (e) {
      throw errors.corruptCheckpoint(file, errorMessage(e));
    }
  }

  async batchIds(): Promise<number[]> {
    const names = await this.fs.list(this.dir);
    return names
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  }

  async getLatest(): Promise<[number, T] | undefined> {
    const ids = await this.batchIds();
    if (ids.length === 0) return undefined;
    const id = ids[ids.length - 1]!;
    return [id, (await this.get(id))!];
  }

  async purge(threshold: number): Promise<void> {
    for (const id of await this.batchIds()) if (id < threshold) await this.fs.remove(this.file(id));
  }

  private file(batchId: number): string {
    return this.fs.join(this.dir, String(batchId));
  }
}

/** Reads the `v<N>` first line every log file starts with, refusing versions this code cannot read. */
export function splitVersioned(text: string, maxVersion: number): string[] {
  const lines = text.split("\n");
  const m = /^v(\d+)$/.exec(lines[0] ?? "");
  if (!m)
    throw new Error(
      `first line should be a version like "v1", found ${JSON.stringify((lines[0] ?? "").slice(0, 20))} (truncated or not a skp checkpoint file)`,
    );
  if (Number(m[1]) > maxVersion) throw new Error(`written by a newer skp (log version v${m[1]}, this one reads up to v${maxVersion})`);
  return lines.slice(1);
}

export function parseJsonLine(line: string | undefined, what: string): any {
  if (line === undefined || line === "") throw new Error(`missing ${what} (file truncated)`);
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${what} is not valid JSON (file truncated or corrupt)`);
  }
}
