import type { Fields } from "../schema/types.js";

/** Offsets are JSON-serializable so they can be written to the offsets log. */
export type Offset = string | number | boolean | null | readonly Offset[] | { readonly [k: string]: Offset };

/** Bounds how much a batch may read, like Spark's `ReadLimit` (`maxOffsetsPerTrigger`). */
import type { Exchange } from "./exchange.js";
import type { StateSharding } from "./sharded-state.js";

export interface ReadLimit {
  readonly maxRows?: number;
  /**
   * Never read past this offset (an offset this source returned before). Trigger `availableNow` uses it
   * to process exactly the data available when the query started, even while more arrives.
   */
  readonly upTo?: Offset;
  /** Ignore the source's own per-batch limit: the runtime is asking where the data ends (availableNow). */
  readonly unbounded?: boolean;
}

/**
 * Spark's source contract, adapted. The engine asks for the latest offset, then for exactly the rows in
 * `(start, end]`; it must be able to ask again for any range not yet committed (replay after a restart).
 */
export interface Source<Row extends object = Record<string, unknown>, O extends Offset = Offset> {
  /** Shown in progress (`sources[].description`). */
  readonly description: string;
  /**
   * Stable name recorded in a checkpoint, so a restart against another source is refused. Must not
   * change between runs of the same query (unlike `description`, which may carry run-time detail).
   */
  readonly identity?: string;
  /** Columns of the rows this source produces. */
  readonly fields: Fields;
  /**
   * Called once when a query starts using this source (connect, start consumers). Each `open` is
   * matched by one `stop`, so a source shared by several queries can count its users.
   */
  open?(): void | Promise<void>;
  /** Offset before any data, for a query that has never run. */
  initialOffset(): O | Promise<O>;
  /** Newest offset available, at most `limit` past `start`. */
  latestOffset(start: O, limit: ReadLimit): O | Promise<O>;
  /** Rows in `(start, end]`. Must be replayable until `commit(end)`. */
  getBatch(start: O, end: O): Row[] | Promise<Row[]>;
  /** Everything up to `end` is processed and durable downstream; the source may forget it. */
  commit(end: O): void | Promise<void>;
  stop(): void | Promise<void>;
  /** Optional push notification of new data, so the default trigger does not have to poll. */
  onDataAvailable?(listener: () => void): () => void;
  /**
   * With `onDataAvailable`: how long an idle query may go between checks of `latestOffset`, because the
   * source wakes it when data comes (default: the query's `pollInterval`). A Kafka source that watches
   * its partitions with a long-poll fetch needs few checks.
   */
  idlePollIntervalMs?(): number | undefined;
  /**
   * Optional: for a source whose partitions move between processes (a Kafka consumer group), how the
   * state of a stateful query moves with them. Undefined (or a source without it): state stays in
   * this process, in memory and under the checkpoint.
   */
  sharding?(): StateSharding | undefined;
  /**
   * Optional, with `sharding`: how rows are repartitioned by grouping key before a stateful operator
   * when the input's partitions do not already hold each group whole (see `Exchange`). Undefined: the
   * input is declared co-partitioned, and each partition's shard aggregates its own rows.
   */
  exchange?(): Exchange | undefined;
  /**
   * Optional: the newest offset the source knows of, read or not (Spark's `reportLatestOffset`), for
   * `sources[].latestOffset` — with the batch's end offset it shows how far behind the query is.
   */
  reportLatestOffset?(): Offset | undefined;
  /** Optional per-batch source metrics for progress (`sources[].metrics`). */
  metrics?(): Record<string, number | string>;
}

/** Offsets compare by their JSON form, which is also how they are logged. */
export function sameOffset(a: Offset, b: Offset): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
