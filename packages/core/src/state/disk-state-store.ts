import type { CheckpointFileSystem } from "../checkpoint/file-system.js";
import { errors } from "../errors.js";
import { deltaText, listVersions, replayDeltas } from "./delta-files.js";
import type { StateStore } from "./state-store.js";

/** The slice of an `lmdb` database this store uses (typed here: `lmdb` is an optional peer dependency). */
export interface LmdbDatabase {
  get(key: string): unknown;
  /** The stored bytes, not decoded (undo records keep them: an operator may change a value it read). */
  getBinary(key: string): Uint8Array | undefined;
  encoder: { decode(bytes: Uint8Array): unknown };
  doesExist(key: string): boolean;
  getRange(options?: { start?: string; end?: string; snapshot?: boolean }): Iterable<{ key: string; value: unknown }>;
  getCount(): number;
  put(key: string, value: unknown): unknown;
  remove(key: string): unknown;
  transactionSync<T>(action: () => T): T;
}

/** The LMDB environment the store's databases live in. */
export interface LmdbEnv {
  /** Flushes committed transactions to disk (LMDB is opened without a flush per transaction). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

const REMOVED = Symbol("removed");
/** The newest versions whose undo records are kept, so LMDB can be taken back to an earlier version. */
const UNDO_VERSIONS = 3;

/**
 * State on disk in LMDB (`.option("stateStore", "disk")`): the heap holds only the batch being
 * written; reads of other keys go to LMDB's memory map, whose pages the OS caches and evicts. The
 * versioned contract is the file store's:
 *
 * - A batch's writes stay in an overlay (`abort()` drops it); `commit()` applies them to LMDB in one
 *   transaction together with the new version number and an undo record (the old values), and journals
 *   the delta (`<v>.delta`, the file store's format) for the checkpoint's group commit.
 * - LMDB is opened without fsync (a transaction costs no disk flush): after a process crash it holds
 *   its last transaction; after an OS crash it may hold an older one. `load(v)` therefore takes it to
 *   exactly version `v` — back through undo records when it is ahead (a batch re-run after a crash),
 *   forward through the journaled deltas when it is behind.
 * - `purge` keeps the deltas LMDB may still need: those after the last version it flushed to disk. A
 *   restart can go back a few versions (the undo records kept), not `minBatchesToRetain` of them.
 */
export class DiskStateStore<V> implements StateStore<V> {
  private readonly overlay = new Map<string, V | typeof REMOVED>();
  /**
   * The stored bytes of the committed values this batch read (null: absent): each key is looked up in
   * LMDB once, and the commit's undo record reuses them.
   */
  private readonly reads = new Map<string, Uint8Array | null>();
  private count: number;
  private pending: { version: number; delta: string }[] = [];
  /** The newest version LMDB has flushed to disk (what an OS crash cannot take back). */
  private flushedVersion = 0;

  constructor(
    private readonly data: LmdbDatabase,
    private readonly meta: LmdbDatabase,
    private readonly fs: CheckpointFileSystem | undefined,
    private readonly dir: string,
    public version: number,
    private readonly env: LmdbEnv,
  ) {
    this.count = data.getCount();
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const v = this.overlay.get(key);
    if (v !== undefined) return v === REMOVED ? undefined : v;
    return this.committed(key);
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [key, v] of this.overlay) if (v !== REMOVED) yield [key, v];
    for (const { key, value } of this.data.getRange({ snapshot: false })) {
      if (!this.overlay.has(key)) yield [key, value as V];
    }
  }

  put(key: string, value: V): void {
    if (!this.exists(key)) this.count++;
    this.overlay.set(key, value);
  }

  remove(key: string): void {
    if (!this.exists(key)) return;
    this.count--;
    this.overlay.set(key, REMOVED);
  }

  commit(): number {
    const version = this.version + 1;
    const changes = [...this.overlay];
    this.data.transactionSync(() => {
      const undo: [string, unknown][] = [];
      for (const [key, v] of changes) {
        const read = this.reads.get(key);
        const old = read !== undefined ? (read ?? undefined) : this.data.getBinary(key);
        undo.push([key, old === undefined ? null : old]);
        if (v === REMOVED) this.data.remove(key);
        else this.data.put(key, v);
      }
      this.meta.put(`undo:${version}`, undo);
      this.meta.remove(`undo:${version - UNDO_VERSIONS}`);
      this.meta.put("version", version);
    });
    if (this.fs) {
      const byKey = new Map(changes);
      const valueAt = (key: string) => {
        const v = byKey.get(key);
        return v === REMOVED ? undefined : v;
      };
      this.pending.push({ version, delta: deltaText(byKey.keys(), valueAt) });
    }
    this.overlay.clear();
    this.reads.clear();
    this.version = version;
    return version;
  }

  abort(): void {
    this.overlay.clear();
    this.reads.clear();
    this.count = this.data.getCount();
  }

  /** Journals the committed versions' deltas (durable with the checkpoint's next group commit). */
  async persist(): Promise<void> {
    if (!this.fs) return;
    if (this.pending.length > 0) await this.fs.mkdirs(this.dir);
    for (const p of this.pending) await this.fs.writeAtomic(this.fs.join(this.dir, `${p.version}.delta`), p.delta);
    this.pending = [];
  }

  /**
   * Flushes LMDB, then forgets the deltas it no longer needs: those at or below the version it flushed.
   * (`minVersion` does not hold them: this store goes back only through its undo records, a few
   * versions, so older deltas could never be used.)
   */
  async purge(_minVersion: number): Promise<void> {
    if (!this.fs) return;
    const version = this.version;
    await this.env.sync();
    this.flushedVersion = Math.max(this.flushedVersion, version);
    const keep = this.flushedVersion;
    for (const f of await listVersions(this.fs, this.dir)) {
      if (f.kind === "delta" && f.version <= keep) await this.fs.remove(this.fs.join(this.dir, f.name));
    }
  }

  /** Takes LMDB to exactly version `version` (see the class comment). */
  async load(version: number): Promise<this> {
    let at = (this.meta.get("version") as number | undefined) ?? 0;
    if (at > version) {
      for (; at > version; at--) {
        const undo = this.meta.get(`undo:${at}`) as [string, Uint8Array | null][] | undefined;
        if (!undo) throw errors.corruptCheckpoint(this.dir, `LMDB holds state version ${at}, and cannot go back to ${version}`);
        this.data.transactionSync(() => {
          for (const [key, old] of undo) old === null ? this.data.remove(key) : this.data.put(key, this.data.encoder.decode(old));
          this.meta.remove(`undo:${at}`);
          this.meta.put("version", at - 1);
        });
      }
    } else if (at < version) {
      if (!this.fs) throw errors.corruptCheckpoint(this.dir, `LMDB holds state version ${at}, not ${version}`);
      const ops: [string, unknown][] = [];
      await replayDeltas(
        this.fs,
        this.dir,
        at,
        version,
        (key, value) => ops.push([key, value]),
        (key) => ops.push([key, REMOVED]),
      );
      this.data.transactionSync(() => {
        for (const [key, value] of ops) value === REMOVED ? this.data.remove(key) : this.data.put(key, value);
        this.meta.put("version", version);
      });
    }
    this.count = this.data.getCount();
    this.version = version;
    this.flushedVersion = version;
    return this;
  }

  close(): Promise<void> {
    return this.env.close();
  }

  private exists(key: string): boolean {
    const v = this.overlay.get(key);
    if (v !== undefined) return v !== REMOVED;
    const read = this.reads.get(key);
    return read !== undefined ? read !== null : this.data.doesExist(key);
  }

  /** The committed value, read from LMDB once per batch (the commit's undo record reuses it). */
  private committed(key: string): V | undefined {
    let bytes = this.reads.get(key);
    if (bytes === undefined) {
      bytes = this.data.getBinary(key) ?? null;
      this.reads.set(key, bytes);
    }
    // Decoded afresh at each read: an operator may change what it gets.
    return bytes === null ? undefined : (this.data.encoder.decode(bytes) as V);
  }
}
