import type { StateStore, StateStoreProvider } from "./state-store.js";

const ABSENT = Symbol("absent");

/**
 * In-memory state: a Map plus an undo log of the values a batch overwrote, so `abort()` restores the
 * last committed version without copying the whole map every batch. The log is two arrays appended
 * to (one Map lookup per write, no bookkeeping per key); `abort()` replays it backwards. Values are
 * never `undefined` (that reads as "absent").
 */
export class MemoryStateStore<V> implements StateStore<V> {
  protected readonly map = new Map<string, V>();
  private undoKeys: string[] = [];
  private undoValues: (V | typeof ABSENT)[] = [];

  constructor(public version = 0) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  put(key: string, value: V): void {
    const old = this.map.get(key);
    this.undoKeys.push(key);
    this.undoValues.push(old === undefined ? ABSENT : old);
    this.map.set(key, value);
  }

  remove(key: string): void {
    const old = this.map.get(key);
    if (old === undefined) return;
    this.undoKeys.push(key);
    this.undoValues.push(old);
    this.map.delete(key);
  }

  commit(): number {
    this.undoKeys = [];
    this.undoValues = [];
    return ++this.version;
  }

  abort(): void {
    for (let i = this.undoKeys.length - 1; i >= 0; i--) {
      const key = this.undoKeys[i] as string;
      const old = this.undoValues[i];
      if (old === ABSENT) this.map.delete(key);
      else this.map.set(key, old as V);
    }
    this.undoKeys = [];
    this.undoValues = [];
  }

  /** The keys this batch changed (before `commit()`), each once. */
  protected changedKeys(): Set<string> {
    return new Set(this.undoKeys);
  }
}

/** Default provider: every operator's state lives in process memory. */
export const memoryStateStoreProvider: StateStoreProvider = {
  open: <V>(_id: number, version: number) => new MemoryStateStore<V>(version),
};
