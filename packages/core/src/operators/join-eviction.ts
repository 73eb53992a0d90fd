/** Width of a time bucket of the index, ms. */
const BUCKET_MS = 1_000;

interface Bucket {
  /** The earliest row time added to the bucket. */
  min: number;
  readonly keys: Set<string>;
}

/**
 * Which state keys hold rows of each second of event time, for one side of a join: evicting behind the
 * watermark visits only the keys with rows at or below it — not the whole state every batch. A key
 * may be listed where it has no rows any more (a visit finds nothing to evict); never missing where it has.
 */
export class EvictionIndex {
  private readonly buckets = new Map<number, Bucket>();

  add(t: number, key: string): void {
    const b = Math.floor(t / BUCKET_MS);
    const bucket = this.buckets.get(b);
    if (!bucket) this.buckets.set(b, { min: t, keys: new Set([key]) });
    else {
      bucket.keys.add(key);
      if (t < bucket.min) bucket.min = t;
    }
  }

  /** Whether some row is at or below `threshold`. */
  due(threshold: number): boolean {
    for (const bucket of this.buckets.values()) if (bucket.min <= threshold) return true;
    return false;
  }

  /**
   * The keys that may hold rows at or below `threshold`, sorted (so what eviction emits comes in the
   * same order however the index was built, e.g. after a restart), their buckets forgotten: the caller
   * evicts those rows and adds back the rows of these keys it keeps.
   */
  take(threshold: number): string[] {
    const out = new Set<string>();
    for (const [b, bucket] of this.buckets) {
      if (bucket.min > threshold) continue;
      for (const k of bucket.keys) out.add(k);
      this.buckets.delete(b);
    }
    return [...out].sort();
  }
}
