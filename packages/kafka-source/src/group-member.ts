import type { Admin, Consumer, Kafka, PartitionAssigner } from "kafkajs";
import type { ClaimMetadata } from "./claims.js";
import { decodeClaim } from "./claims.js";
import { kafkaErrors } from "./errors.js";
import { tpKey, tpKeyOf } from "./topic-partition.js";

const JOIN_TIMEOUT_MS = 60_000;
const FIRST_JOIN_RETRY_MS = 20_000;

export interface Committed {
  offset: number | undefined;
  claim: ClaimMetadata | undefined;
}

/**
 * This process's membership in the user's consumer group. It reads nothing itself (the range reader
 * does); it holds the partitions the group assigned to this process and commits claims on them.
 *
 * Fencing: a claim is committed only while the assignment is *stable* — after the group's answer
 * (GROUP_JOIN) and before any sign of the next rebalance (a JoinGroup response, a rebalancing
 * notice, a crash or stop). kafkajs swaps in the next generation's commit state only after a
 * JoinGroup response, so a claim sent while stable carries the generation this assignment belongs
 * to, and the coordinator refuses it once that generation is over. `epoch` counts the changes, so a
 * claim that raced one is detected.
 */
export class GroupMember {
  private consumer: Consumer | undefined;
  private assigned = new Map<string, Set<number>>();
  stable = false;
  epoch = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: readonly string[],
    private readonly groupId: string,
    private readonly config: { sessionTimeoutMs: number; partitionAssigners: PartitionAssigner[] | undefined },
    private readonly admin: () => Admin,
  ) {}

  private stopping = false;
  private joined: (() => void) | undefined;

  async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      // Not `await this.connect()` first: kafkajs' run() resolves only once the first join completes,
      // and a stalled first join is replaced by a fresh consumer (connect below) whose join counts.
      await new Promise<void>((resolve, reject) => {
        this.joined = resolve;
        timer = setTimeout(() => reject(kafkaErrors.groupJoinTimeout(this.groupId, JOIN_TIMEOUT_MS)), JOIN_TIMEOUT_MS);
        this.connect().catch(reject);
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private async connect(): Promise<void> {
    if (this.stopping) return;
    const { sessionTimeoutMs: sessionTimeout, partitionAssigners } = this.config;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
      sessionTimeout,
      heartbeatInterval: Math.max(100, Math.min(3_000, Math.floor(sessionTimeout / 5))),
      ...(partitionAssigners ? { partitionAssigners } : {}),
    });
    this.consumer = consumer;
    const unstable = () => {
      this.stable = false;
      this.epoch++;
    };
    consumer.on(consumer.events.REQUEST, (e) => {
      if (e.payload.apiName === "JoinGroup") unstable();
    });
    for (const event of [consumer.events.REBALANCING, consumer.events.STOP, consumer.events.DISCONNECT]) consumer.on(event, unstable);
    const replace = () => {
      if (this.stopping || this.consumer !== consumer) return;
      this.consumer = undefined;
      void consumer
        .disconnect()
        .catch(() => {})
        .then(() => this.connect())
        .catch(() => {});
    };
    consumer.on(consumer.events.CRASH, (e) => {
      unstable();
      // kafkajs restarts after retriable errors only; a member must stay in the group, so rejoin anyway.
      if (!e.payload.restart) setTimeout(replace, 500);
    });
    // A first join that never completes (seen with the mock cluster) is retried with a fresh consumer.
    let joinedOnce = false;
    const watchdog = setTimeout(() => {
      if (!joinedOnce) replace();
    }, FIRST_JOIN_RETRY_MS);
    watchdog.unref();
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      joinedOnce = true;
      clearTimeout(watchdog);
      // A replaced consumer whose first join was still retrying: kafkajs cannot cancel that join, so
      // it completes later as a member nobody reads for. Its assignment is not ours; leave the group.
      if (this.consumer !== consumer) {
        void consumer.disconnect().catch(() => {});
        return;
      }
      this.assigned = new Map(Object.entries(e.payload.memberAssignment).map(([t, ps]) => [t, new Set(ps)]));
      // Never consume (the range reader does): pause whatever was assigned.
      try {
        consumer.pause(this.topics.map((topic) => ({ topic })));
      } catch {
        /* not initialized yet; the eachBatch below pauses anything fetched */
      }
      this.epoch++;
      this.stable = true;
      this.joined?.();
    });
    await consumer.connect();
    for (const topic of this.topics) await consumer.subscribe({ topic });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, pause }) => {
        void batch;
        pause();
      },
    });
  }

  owns(topic: string, partition: number): boolean {
    return this.stable && (this.assigned.get(topic)?.has(partition) ?? false);
  }

  ownedCount(): number {
    if (!this.stable) return 0;
    let n = 0;
    for (const ps of this.assigned.values()) n += ps.size;
    return n;
  }

  /** The group's committed offsets and our claim metadata, per `topic:partition`. */
  async committed(admin: Admin): Promise<Map<string, Committed>> {
    const out = new Map<string, Committed>();
    const fetched = await admin.fetchOffsets({ groupId: this.groupId, topics: [...this.topics] });
    for (const { topic, partitions } of fetched) {
      for (const p of partitions) {
        const offset = Number(p.offset);
        out.set(tpKey(topic, p.partition), { offset: offset >= 0 ? offset : undefined, claim: decodeClaim(p.metadata) });
      }
    }
    return out;
  }

  /**
   * Commits claims (each partition must be owned). Resolves true if they landed in the generation
   * they were planned in, false if the group refused them (a rebalance began). Throws if the
   * outcome is uncertain: the commit succeeded but a rebalance happened while it was in flight.
   */
  async claim(claims: { topic: string; partition: number; offset: number; metadata: string }[], epoch: number): Promise<boolean> {
    if (claims.length === 0) return true;
    if (!this.stable || this.epoch !== epoch || !claims.every((c) => this.owns(c.topic, c.partition))) return false;
    try {
      await this.consumer!.commitOffsets(
        claims.map((c) => ({ topic: c.topic, partition: c.partition, offset: String(c.offset), metadata: c.metadata })),
      );
    } catch {
      return false;
    }
    if (this.epoch !== epoch)
      throw kafkaErrors.uncertainClaim(
        this.groupId,
        claims.map((c) => tpKeyOf(c)),
      );
    // kafkajs resolves a commit without sending it when its consumer is between runs (e.g. restarting
    // after a crash): only what the group now holds counts.
    const now = await this.committed(this.admin());
    const landed = claims.filter((c) => {
      const got = now.get(tpKeyOf(c));
      return got?.offset === c.offset && got.claim !== undefined && got.claim.id === decodeClaim(c.metadata)?.id;
    }).length;
    if (landed === claims.length) return true;
    if (landed === 0 && this.epoch === epoch) return false;
    throw kafkaErrors.uncertainClaim(
      this.groupId,
      claims.map((c) => tpKeyOf(c)),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stable = false;
    await this.consumer?.disconnect().catch(() => {});
  }
}
