/**
 * Versioned key-value state for one stateful operator, after Spark's `StateStore`: reads see the last
 * committed version plus this batch's own writes; `commit()` makes the batch's writes a new version;
 * `abort()` throws them away, so a failed batch leaves state exactly as it was.
 */
export interface ReadStateStore<V> {
  /** The committed version these reads are based on (the number of batches committed). */
  readonly version: number;
  readonly size: number;
  get(key: string): V | undefined;
  entries(): IterableIterator<[string, V]>;
}

export interface StateStore<V> extends ReadStateStore<V> {
  put(key: string, value: V): void;
  remove(key: string): void;
  /** Makes this batch's writes the next version (in memory) and returns it; `persist()` makes versions durable. */
  commit(): number;
  /** Discards writes since the last commit. */
  abort(): void;
  /** Makes committed versions durable (file backends); the runtime awaits it before the sink commits. */
  persist?(): Promise<void>;
  /** Forgets what is not needed to rebuild versions at or after `minVersion`. */
  purge?(minVersion: number): Promise<void>;
  /** Releases what the store holds open (a disk store's database), when the query stops. */
  close?(): Promise<void>;
}

/** Opens the store of an operator at a version; backends (memory, files) implement it. */
export interface StateStoreProvider {
  open<V>(operatorId: number, version: number): StateStore<V> | Promise<StateStore<V>>;
}
