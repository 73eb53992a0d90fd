import type { Row } from "../batch/micro-batch.js";
import { BatchContext } from "../batch/micro-batch.js";
import type { OutputMode } from "../batch/output-mode.js";
import { errors } from "../errors.js";
import type { CompileOptions, PhysicalPlan } from "../operators/compile.js";
import { compile, exchangeInputNodes, statefulNodes } from "../operators/compile.js";
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
  /** The stores kept whole in the commit marker (exchange inputs), not in a log. */
  readonly inputs: ReadonlySet<number>;
  readonly watermark: WatermarkTracker;
}

export interface ShardedConfig {
  readonly analyzed: AnalyzedPlan;
  readonly outputMode: OutputMode;
  readonly compile: CompileOptions;
  readonly watermarkPolicy: WatermarkPolicy;
  readonly sharding: StateSharding;
  /** The shards' logs (default: one per stateful node, named after it). */
  readonly logs?: readonly { readonly id: number; readonly name: string }[];
  /** What the batch emits of each shard (default: its rows as they are). */
  readonly output?: (part: ShardOutput) => Row[];
}

/** One shard's output of a batch, with the watermark it ran with and the one after it. */
export interface ShardOutput {
  readonly shard: number;
  readonly token: string;
  readonly rows: Row[];
  readonly watermarkBefore: number;
  readonly watermarkAfter: number;
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
    await this.config.sharding.open(this.config.logs ?? statefulNodes(this.config.analyzed));
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
      const watermarkBefore = shard.watermark.watermarkMs;
      const result = await shard.pipeline.run({ batchId, rows: rowsOfShard, watermarkMs: watermarkBefore, ctx: sub });
      shard.watermark.update(sub);
      shard.token = part.token;
      ctx.absorb(sub);
      const { output } = this.config;
      const rowsOut = output
        ? output({ shard: part.shard, token: part.token, rows: result.rows, watermarkBefore, watermarkAfter: shard.watermark.watermarkMs })
        : result.rows;
      for (const r of rowsOut) out.push(r);
      this.pending.push(this.commitOf(part, shard));
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
    const inputs = new Set(exchangeInputNodes(analyzed));
    for (const id of inputs) stores.set(id, new ChangelogStateStore(Object.entries(state.inputs?.[id] ?? {})));
    const physical = compile(analyzed, outputMode, stores, this.config.compile);
    const watermark = new WatermarkTracker(analyzed.watermarks, watermarkPolicy);
    watermark.restore(state.watermark.watermarkMs, state.watermark.operatorWatermarks);
    const shard: Shard = { token: part.base, physical, pipeline: new BatchPipeline(physical.operator), stores, inputs, watermark };
    this.shards.set(part.shard, shard);
    return shard;
  }

  private drop(id: number): void {
    this.shards.get(id)?.pipeline.close();
    this.shards.delete(id);
  }

  private commitOf(part: ShardBatch, shard: Shard): ShardCommit {
    const changes = new Map<number, StateChange[]>();
    const inputs: Record<string, Record<string, unknown>> = {};
    for (const [id, store] of shard.stores) {
      const drained = store.drainChanges();
      if (shard.inputs.has(id)) inputs[id] = Object.fromEntries(store.entries());
      else changes.set(id, drained);
    }
    const entries = () => new Map([...shard.stores].filter(([id]) => !shard.inputs.has(id)).map(([id, store]) => [id, store.entries()]));
    return { shard: part.shard, token: part.token, changes, watermark: this.watermarkOf(shard), inputs, entries };
  }

  private watermarkOf(shard: Shard): ShardCommit["watermark"] {
    return { watermarkMs: shard.watermark.watermarkMs, operatorWatermarks: shard.watermark.snapshot() };
  }
}
