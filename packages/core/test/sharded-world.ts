/**
 * A partitioned input, a consumer group and changelogs, all in memory: the model of Kafka that the
 * sharded runtime's property test runs several "processes" against. Each process's source plans only
 * partitions the group assigns it, and only once the partition's changelog ends with the commit of the
 * claim the group last committed (as kafka-source's planner does); a batch claims its ranges, and
 * commits each shard's changes after the sink — the protocol of docs/scale-out.md, without Kafka.
 */
import type { Exchange, Fields, ShardBatch, ShardCommit, ShardState, Source, StateSharding } from "../src/index.js";
import { any, int, long, timestamp } from "../src/index.js";

export type Ev = { p: number; id: number; ts: number; value: number };
type Offsets = { claim: string; ranges: Record<string, [from: number, until: number, prior: string | null]> };
type Commit = {
  token: string;
  state: Map<number, Map<string, unknown>>;
  watermark: ShardState["watermark"];
  inputs?: ShardState["inputs"];
};
/** A message of the in-memory exchange: `p` is its exchange partition. */
export type Message = { p: number; partition: number; value: Uint8Array };
const EV_FIELDS: Fields = { p: int(), id: int(), ts: timestamp(), value: long() };
const MESSAGE_FIELDS: Fields = { p: int(), partition: int(), value: any() };

export class World {
  readonly owner: number[];
  readonly claim: (string | null)[];
  readonly offset: number[];
  readonly log: Commit[][];
  private tokens = 0;

  constructor(readonly partitions: { p: number }[][]) {
    this.owner = partitions.map(() => 0);
    this.claim = partitions.map(() => null);
    this.offset = partitions.map(() => 0);
    this.log = partitions.map(() => []);
  }

  newToken(): string {
    return `t${++this.tokens}`;
  }

  lastToken(p: number): string | null {
    return this.log[p]?.at(-1)?.token ?? null;
  }
}

/**
 * Process `me`'s source over the world, with its sharding. With `exchange` (a second world whose
 * partitions are an exchange topic), a stateful query repartitions through it; `replay` says whether
 * a write is written twice (a batch replayed after a crash writes the same messages again).
 */
export function shardedSource<R extends { p: number } = Ev>(
  world: World,
  me: number,
  maxPerBatch: number,
  exchange?: { world: World; replay: () => boolean; maxPerBatch: number },
): Source<R, Offsets> {
  let due = new Set<number>();
  let held = new Set<number>();
  let landed: { claim: string; parts: { p: number; prior: string | null }[] } = { claim: "", parts: [] };
  const sharding: StateSharding = {
    restoredRows: 0,
    async open() {},
    shardOf: (row) => (row as { p: number }).p,
    async shardsOf(end): Promise<ShardBatch[]> {
      const o = end as Offsets;
      if (landed.claim !== o.claim) return [];
      return landed.parts.map(({ p, prior }) => ({
        shard: p,
        token: o.claim,
        base: prior,
        durable: false,
        restore: async (): Promise<ShardState> => {
          const last = world.log[p]?.at(-1);
          if ((last?.token ?? null) !== prior) throw new Error(`shard ${p}: log ends at ${last?.token}, not ${prior}`);
          const watermark = last?.watermark ?? { watermarkMs: 0, operatorWatermarks: {} };
          return { operators: last?.state ?? new Map(), watermark, inputs: last?.inputs };
        },
      }));
    },
    due(expiring, shards) {
      due = new Set(expiring);
      held = new Set(shards);
    },
    owns: (p) => world.owner[p] === me,
    async commit(_batchId, shards: readonly ShardCommit[]) {
      for (const s of shards) {
        const prev = world.log[s.shard]?.at(-1)?.state ?? new Map<number, Map<string, unknown>>();
        const state = new Map([...prev].map(([id, m]) => [id, new Map(m)]));
        for (const [id, changes] of s.changes) {
          const m = state.get(id) ?? new Map<string, unknown>();
          for (const [k, v] of changes) (v === undefined ? m.delete(k) : m.set(k, structuredClone(v))) as unknown;
          state.set(id, m);
        }
        world.log[s.shard]?.push({ token: s.token, state, watermark: s.watermark, inputs: structuredClone(s.inputs) });
      }
    },
  };
  return {
    description: `WorldSource[${me}]`,
    fields: EV_FIELDS,
    initialOffset: () => ({ claim: "", ranges: {} }),
    latestOffset(start) {
      const out: Offsets = { claim: world.newToken(), ranges: {} };
      world.partitions.forEach((rows, p) => {
        if (world.owner[p] !== me || world.lastToken(p) !== world.claim[p]) return;
        const from = world.offset[p] as number;
        const until = Math.min(rows.length, from + maxPerBatch);
        if (until > from || due.has(p) || !held.has(p)) out.ranges[p] = [from, until, world.claim[p] ?? null];
      });
      return Object.keys(out.ranges).length > 0 ? out : start;
    },
    getBatch(_start, end) {
      const parts: { p: number; prior: string | null }[] = [];
      const rows: R[] = [];
      for (const [key, [from, until, prior]] of Object.entries(end.ranges)) {
        const p = Number(key);
        // The claim lands only if the partition is still ours and nobody claimed it since the plan.
        if (world.owner[p] !== me || world.claim[p] !== prior || world.offset[p] !== from) continue;
        world.claim[p] = end.claim;
        world.offset[p] = until;
        parts.push({ p, prior });
        rows.push(...(world.partitions[p] as R[]).slice(from, until));
      }
      landed = { claim: end.claim, parts };
      return rows;
    },
    commit() {},
    stop() {},
    sharding: () => sharding,
    exchange: () => (exchange ? worldExchange(world, me, exchange) : undefined),
  };
}

/** The exchange topic as a second world: writes append (twice when `replay` says so). */
function worldExchange(input: World, me: number, ex: { world: World; replay: () => boolean; maxPerBatch: number }): Exchange {
  const out = ex.world.partitions as Message[][];
  return {
    open: async () => ({ partitions: out.length, inputs: input.partitions.length }),
    async write(messages) {
      for (let copies = ex.replay() ? 2 : 1; copies > 0; copies--)
        for (const m of messages) out[m.partition]?.push({ p: m.partition, partition: m.partition, value: m.value });
    },
    reader: () => ({ ...shardedSource<Message>(ex.world, me, ex.maxPerBatch), fields: MESSAGE_FIELDS }) as never,
  };
}

/** A step of a schedule: run a process, or hand a partition (of the input or of the exchange) to another. */
export type Step = { kind: "run"; proc: number } | { kind: "move" | "moveExchange"; p: number; to: number };

/**
 * Runs the schedule against the processes' queries, then everyone until nothing is left to do (a
 * partition waits for its last owner's commit), then stops them all; resolves to every window the
 * processes emitted (ids ≥ 0: without the far-future closers).
 */
export async function runSchedule<W extends { id: number }>(
  queries: readonly { processAllAvailable(): Promise<void>; stop(): Promise<void> }[],
  sinks: readonly { rows: readonly W[] }[],
  steps: readonly Step[],
  worlds: { input: World; exchange?: World },
): Promise<W[]> {
  try {
    for (const s of steps) {
      if (s.kind === "run") await queries[s.proc]?.processAllAvailable();
      else ((s.kind === "move" ? worlds.input : worlds.exchange)?.owner ?? [])[s.p] = s.to;
    }
    for (let round = 0; round < 3; round++) for (const q of queries) await q.processAllAvailable();
  } finally {
    for (const q of queries) await q.stop();
  }
  return sinks.flatMap((s) => s.rows).filter((r) => r.id >= 0);
}
