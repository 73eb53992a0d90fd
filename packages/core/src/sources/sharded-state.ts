import type { Offset } from "./source.js";

/** A state change: the new value of a key, or `undefined` for a removed key. */
export type StateChange = readonly [key: string, value: unknown];

/** Everything a shard's state is: each stateful operator's entries, and the shard's event-time progress. */
export interface ShardState {
  /** Per stateful operator (plan node id): its state entries. */
  readonly operators: ReadonlyMap<number, ReadonlyMap<string, unknown>>;
  /** The shard's watermark, and each watermark operator's proposal (as the offsets log keeps them). */
  readonly watermark: { readonly watermarkMs: number; readonly operatorWatermarks: Record<string, number> };
  /** Where the shard's input stands, per exchange input (plan node id): kept whole in every commit. */
  readonly inputs?: ShardInputs;
}

/** Per exchange input (plan node id), its entries: small (one per input partition), so committed whole. */
export type ShardInputs = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** One shard's part in a batch, as the source planned and fenced it. */
export interface ShardBatch {
  /** The shard: an input partition. */
  readonly shard: number;
  /** The fence of this batch's work on the shard (a claim): it names the batch's changes in the shard's log. */
  readonly token: string;
  /** The state the batch starts from: after the changes of this token (null: empty state). */
  readonly base: string | null;
  /**
   * The shard's log already holds this batch's changes (a replayed batch whose changes were committed
   * after its sink output): the shard is not run again, and its state is read back when next needed.
   */
  readonly durable: boolean;
  /** The shard's state after `base`, read back from its log (for a new owner, or after a restart). */
  restore(): Promise<ShardState>;
}

/** What a batch commits for one shard: its changes per operator, and the shard's watermark after it. */
export interface ShardCommit {
  readonly shard: number;
  readonly token: string;
  readonly changes: ReadonlyMap<number, readonly StateChange[]>;
  readonly watermark: ShardState["watermark"];
  readonly inputs?: ShardInputs;
  /** The shard's whole state after the batch, per operator: for a snapshot in place of the changes. */
  entries(): ReadonlyMap<number, Iterable<readonly [string, unknown]>>;
}

/**
 * A source whose input is partitioned, and whose partitions move between processes (Kafka's consumer
 * group), keeps stateful operators' state in shards — one per input partition — with a durable log
 * each (Kafka Streams' changelog topics). The runtime runs each shard's rows through its own copy of
 * the operators, starting from the shard's state as the source says it stands, and commits every
 * shard's changes through `commit` once the sink holds the batch (so a batch whose changes are in the
 * log never needs the state before them again). A shard's state and event-time progress move with its
 * partition: results never depend on which process ran a partition, or when it moved.
 */
export interface StateSharding {
  /** Prepares the shards' logs for these stateful operators (creating internal topics); once per query. */
  open(operators: readonly { readonly id: number; readonly name: string }[]): Promise<void>;
  /** The shard of a row this source produced. */
  shardOf(row: object): number;
  /** The shards batch `(start, end]` covers (after `getBatch`), in shard order. */
  shardsOf(end: Offset): Promise<readonly ShardBatch[]>;
  /**
   * After each batch: the shards this process holds, and those of them whose state the watermark
   * expires. The next batch covers the expiring ones even without new rows — and every shard of an
   * owned partition that is not held, so a partition handed over is restored (and its due windows
   * emitted) even if no new rows arrive for it.
   */
  due(expiring: readonly number[], held: readonly number[]): void;
  /** Whether this process still owns the shard (state of shards it lost is dropped). */
  owns(shard: number): boolean;
  /** Makes the batch's changes durable in the shards' logs, after the sink took it; resolves when they are. */
  commit(batchId: number, shards: readonly ShardCommit[]): Promise<void>;
  /** Restore progress for `progress.sources[].metrics`. */
  readonly restoredRows: number;
}
