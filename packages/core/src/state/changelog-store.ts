import { MemoryStateStore } from "./memory-state-store.js";

/**
 * In-memory state that also remembers what each committed batch changed, so the runtime can write the
 * changes to a shard's log (a changelog topic) before the sink sees the batch. Removed keys read as
 * `undefined` in the changes.
 */
export class ChangelogStateStore<V> extends MemoryStateStore<V> {
  private changed = new Set<string>();

  constructor(entries: Iterable<[string, V]> = [], version = 0) {
    super(version);
    for (const [k, v] of entries) this.map.set(k, v);
  }

  override commit(): number {
    for (const key of this.changedKeys()) this.changed.add(key);
    return super.commit();
  }

  /** The keys committed batches changed since the last call, with their values now. */
  drainChanges(): [string, V | undefined][] {
    const out: [string, V | undefined][] = [];
    for (const key of this.changed) out.push([key, this.map.get(key)]);
    this.changed = new Set();
    return out;
  }
}
