import type { Row } from "../batch/micro-batch.js";
import { BatchContext } from "../batch/micro-batch.js";
import type { OutputMode } from "../batch/output-mode.js";
import { errors } from "../errors.js";
import type { CompileOptions, PhysicalPlan } from "../operators/compile.js";
import { compile, statefulNodes } from "../operators/compile.js";
import type { AnalyzedPlan } from "../plan/analyze.js";
import type { ShardBatch, ShardCommit, StateChange, StateSharding } from "../sources/sharded-state.js";
import type { Offset } from "../sources/source.js";
import { ChangelogStateStore } from "../state/changelog-store.js";
import { BatchPipeline } from "./batch-pipeline.js";
import type { OperatorRunner } from "./operator-runner.js";
import type { WatermarkPolicy } from "./watermark-tracker.js";
import { WatermarkTracker } from "./watermark-tracker.js";

/** One shard's copy of the operators: its own pipeline, state stores and watermark. */
interface Shard {
  /** The token of the last batch folded into this state (what the shard's log calls it). */
  token: string | null;
  readonly physical: PhysicalPlan;
  readonly pipeline: BatchPipeline;
  readonly stores: ReadonlyMap<number, ChangelogStateStore<unknown>>;
  readonly watermark: WatermarkTracker;
}

export interface ShardedConfig {
  readonly analyzed: AnalyzedPlan;
  readonly outputMode: OutputMode;
  readonly compile: CompileOptions;
  readonly watermarkPolicy: WatermarkPolicy;
  readonly sharding: StateSharding;
}

/**
 * Runs a stateful query whose state moves with its input partitions (see `StateSharding`): each
 * shard's rows go through the shard's own copy of the operators, with the shard's own watermark
 * (`max event time seen in the partition − delay`: Kafka Streams' stream time per task). A shard's
 * copy is used only while it holds exactly the state the source says the batch starts from; otherwise
 * it is restored from the shard's log first. Every shard's changes are committed to its log once the
 * sink took the batch; shards this process no longer owns are dropped, never emitted.
 */
export class ShardedOperators implements OperatorRunner {
  private readonly shards = new Map<number, Shard>();
  /** The last batch's commits, written once the sink took the batch. */
  private pending: ShardCommit[] = [];

  constructor(private readonly config: ShardedConfig) {}

  /** The lowest watermark among the shards held (progress shows the slowest partition). */
  get watermarkMs(): number {
    let min = Infinity;
    for (const s of this.shards.values()) min = Math.min(min, s.watermark.watermarkMs);
    return Number.isFinite(min) ? min : 0;
  }

  get watermarkEnabled(): boolean {
    return this.config.analyzed.watermarks.length > 0;
  }

  /** Shards keep their watermarks in their logs, not in the offsets log. */
  watermarkSnapshot(): Record<string, number> {
    return {};
  }

  restoreWatermark(): void {}

  async open(): Promise<void> {
    await this.config.sharding.open(statefulNodes(this.config.analyzed));
  }

  async run(batchId: number, rows: Row[], end: Offset, ctx: BatchContext): Promise<Row[]> {
    const { sharding } = this.config;
    const parts = await sharding.shardsOf(end);
    const byShard = new Map<number, Row[]>();
    for (const row of rows) {
      const s = sharding.shardOf(row);
      const list = byShard.get(s);
      if (list) list.push(row);
      else byShard.set(s, [row]);
    }
    const out: Row[] = [];
    this.pending = [];
    for (const part of parts) {
      const rowsOfShard = byShard.get(part.shard) ?? [];
      byShard.delete(part.shard);
      if (part.durable) {
        // A replay whose changes the log holds: the sink has the batch, the shard is past it.
        this.drop(part.shard);
        continue;
      }
      const shard = await this.shardFor(part);
      const sub = new BatchContext();
      const result = await shard.pipeline.run({ batchId, rows: rowsOfShard, watermarkMs: shard.watermark.watermarkMs, ctx: sub });
      shard.watermark.update(sub);
      shard.token = part.token;
      ctx.absorb(sub);
      for (const r of result.rows) out.push(r);
      const changes = new Map<number, StateChange[]>();
      for (const [id, store] of shard.stores) changes.set(id, store.drainChanges());
      const entries = () => new Map([...shard.stores].map(([id, store]) => [id, store.entries()]));
      this.pending.push({ shard: part.shard, token: part.token, changes, watermark: this.watermarkOf(shard), entries });
    }
    const stray = [...byShard.keys()];
    if (stray.length > 0) throw errors.unplannedShard(stray[0] as number, batchId);
    return out;
  }

  /** Writes the batch's shard changes to their logs (the sink took the batch), then drops shards this process lost. */
  async commitState(batchId: number): Promise<void> {
    const { sharding } = this.config;
    await sharding.commit(batchId, this.pending);
    this.pending = [];
    for (const id of [...this.shards.keys()]) if (!sharding.owns(id)) this.drop(id);
  }

  /** Tells the source which shards it holds and which of them the watermark expires: its next batch covers those. */
  advance(): void {
    const due: number[] = [];
    for (const [id, s] of this.shards) if (s.physical.stateful.some((op) => op.hasExpiredState(s.watermark.watermarkMs))) due.push(id);
    this.config.sharding.due(due, [...this.shards.keys()]);
  }

  /** Never from here: the source plans due shards into a batch of their own (see `advance`). */
  noDataBatchDue(): boolean {
    return false;
  }

  close(): void {
    for (const s of this.shards.values()) s.pipeline.close();
    this.shards.clear();
  }

  /** The shard's copy, if it holds the state the batch starts from; otherwise one restored from its log. */
  private async shardFor(part: ShardBatch): Promise<Shard> {
    const held = this.shards.get(part.shard);
    if (held && held.token === part.base) return held;
    this.drop(part.shard);
    const { analyzed, outputMode, watermarkPolicy } = this.config;
    const state = await part.restore();
    const stores = new Map<number, ChangelogStateStore<unknown>>();
    for (const { id } of statefulNodes(analyzed)) stores.set(id, new ChangelogStateStore(state.operators.get(id) ?? []));
    const physical = compile(analyzed, outputMode, stores, this.config.compile);
    const watermark = new WatermarkTracker(analyzed.watermarks, watermarkPolicy);
    watermark.restore(state.watermark.watermarkMs, state.watermark.operatorWatermarks);
    const shard: Shard = { token: part.base, physical, pipeline: new BatchPipeline(physical.operator), stores, watermark };
    this.shards.set(part.shard, shard);
    return shard;
  }

  private drop(id: number): void {
    this.shards.get(id)?.pipeline.close();
    this.shards.delete(id);
  }

  private watermarkOf(shard: Shard): ShardCommit["watermark"] {
    return { watermarkMs: shard.watermark.watermarkMs, operatorWatermarks: shard.watermark.snapshot() };
  }
}
