import type { StateStore, StateStoreProvider } from "./state-store.js";

const ABSENT = Symbol("absent");

/**
 * In-memory state: a Map plus an undo log of the values a batch overwrote, so `abort()` restores the
 * last committed version without copying the whole map every batch.
 */
export class MemoryStateStore<V> implements StateStore<V> {
  protected readonly map = new Map<string, V>();
  /** Values this batch overwrote (ABSENT: the key was new); its keys are exactly the keys changed. */
  protected readonly undo = new Map<string, V | typeof ABSENT>();

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
    this.remember(key);
    this.map.set(key, value);
  }

  remove(key: string): void {
    if (!this.map.has(key)) return;
    this.remember(key);
    this.map.delete(key);
  }

  commit(): number {
    this.undo.clear();
    return ++this.version;
  }

  abort(): void {
    for (const [key, old] of this.undo) {
      if (old === ABSENT) this.map.delete(key);
      else this.map.set(key, old);
    }
    this.undo.clear();
  }

  private remember(key: string): void {
    if (this.undo.has(key)) return;
    this.undo.set(key, this.map.has(key) ? this.map.get(key)! : ABSENT);
  }
}

/** Default provider: every operator's state lives in process memory. */
export const memoryStateStoreProvider: StateStoreProvider = {
  open: <V>(_id: number, version: number) => new MemoryStateStore<V>(version),
};
