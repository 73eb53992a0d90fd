import type { CheckpointFileSystem } from "../checkpoint/file-system.js";
import { deltaText, listVersions, readLines, replayDeltas } from "./delta-files.js";
import { MemoryStateStore } from "./memory-state-store.js";
import type { StateStore, StateStoreProvider } from "./state-store.js";

/**
 * State checkpointed as files under `state/<operatorId>/`, after Spark's HDFSBackedStateStore: every
 * version `v` writes `<v>.delta` (the keys that batch changed), and every `snapshotInterval` versions
 * also `<v>.snapshot` (all keys), so a restart reads one snapshot and a few deltas, never all history.
 *
 *     <v>.delta                      <v>.snapshot
 *     v1                             v1
 *     ["p","<key>",<value json>]     ["<key>",<value json>]
 *     ["r","<key>"]                  ...
 */
export class FileStateStore<V> extends MemoryStateStore<V> {
  private pending: { version: number; delta: string; snapshot?: string }[] = [];
  /** The snapshot being written (at most one at a time), and the newest one waiting for it. */
  private writing: { version: number; done: Promise<void> } | undefined;
  private waiting: { version: number; text: string } | undefined;
  private snapshotFailure: unknown;
  private dirMade = false;

  constructor(
    private readonly fs: CheckpointFileSystem,
    private readonly dir: string,
    version: number,
    private readonly snapshotInterval: number,
  ) {
    super(version);
  }

  override commit(): number {
    const delta = deltaText(this.changedKeys(), (key) => this.map.get(key));
    const version = super.commit();
    const snapshot =
      version % this.snapshotInterval === 0 ? ["v1", ...[...this.map].map((entry) => JSON.stringify(entry))].join("\n") : undefined;
    this.pending.push({ version, delta, snapshot });
    return version;
  }

  /**
   * Deltas go to the checkpoint journal (durable with the batch's group commit). Snapshots are written
   * in the background, one at a time: a snapshot still waiting when a newer one comes is dropped (the
   * newer one serves every restart the older would), so a disk slower than the batches never queues
   * them without bound. A restart can always rebuild from the deltas.
   */
  async persist(): Promise<void> {
    if (this.snapshotFailure) throw this.snapshotFailure;
    if (!this.dirMade) {
      await this.fs.mkdirs(this.dir);
      this.dirMade = true;
    }
    for (const p of this.pending) {
      await this.fs.writeAtomic(this.fs.join(this.dir, `${p.version}.delta`), p.delta);
      if (p.snapshot !== undefined) {
        this.waiting = { version: p.version, text: p.snapshot };
        this.writeSnapshot();
      }
    }
    this.pending = [];
  }

  /**
   * Forgets what a restart at `minVersion` or later no longer needs: everything before the newest
   * durable snapshot at or below it (a snapshot still being written may not be durable yet: skipped).
   */
  async purge(minVersion: number): Promise<void> {
    const files = await listVersions(this.fs, this.dir);
    const durable = (f: { kind: string; version: number }) => f.kind === "snapshot" && f.version !== this.writing?.version;
    const base = Math.max(0, ...files.filter((f) => durable(f) && f.version <= minVersion).map((f) => f.version));
    if (base === 0) return;
    for (const f of files) {
      if (f.version < base || (f.kind === "delta" && f.version === base)) await this.fs.remove(this.fs.join(this.dir, f.name));
    }
  }

  /** Waits for the snapshot being written and the one waiting (they speed up the next start). */
  async close(): Promise<void> {
    while (this.writing) await this.writing.done;
  }

  private writeSnapshot(): void {
    const next = this.waiting;
    if (this.writing || !next) return;
    this.waiting = undefined;
    const file = this.fs.join(this.dir, `${next.version}.snapshot`);
    const done = this.fs.writeAtomic(file, next.text).then(
      () => {},
      (e) => void (this.snapshotFailure ??= e),
    );
    this.writing = { version: next.version, done };
    done.then(() => {
      this.writing = undefined;
      this.writeSnapshot();
    });
  }

  /** Rebuilds version `version`: the newest snapshot at or before it, then the deltas after it. */
  async load(version: number): Promise<this> {
    if (version === 0) return this;
    const files = await listVersions(this.fs, this.dir);
    const base = Math.max(0, ...files.filter((f) => f.kind === "snapshot" && f.version <= version).map((f) => f.version));
    if (base > 0) {
      const file = this.fs.join(this.dir, `${base}.snapshot`);
      for (const [key, value] of readLines(file, await this.fs.read(file))) this.map.set(key as string, value as V);
    }
    await replayDeltas(
      this.fs,
      this.dir,
      base,
      version,
      (key, value) => this.map.set(key, value as V),
      (key) => this.map.delete(key),
    );
    return this;
  }
}

/** Opens file-backed stores under `<checkpoint>/state/<operatorId>`. */
export class FileStateStoreProvider implements StateStoreProvider {
  constructor(
    private readonly fs: CheckpointFileSystem,
    private readonly root: string,
    private readonly snapshotInterval = 10,
  ) {}

  open<V>(operatorId: number, version: number): Promise<StateStore<V>> {
    const store = new FileStateStore<V>(this.fs, this.fs.join(this.root, String(operatorId)), version, this.snapshotInterval);
    return store.load(version);
  }
}
