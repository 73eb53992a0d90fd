import type { Admin } from "kafkajs";
import { kafkaErrors } from "../errors.js";
import type { OffsetReader } from "../kafka-row.js";
import type { CommitMarker } from "./changelog-format.js";
import { decodeRecord } from "./changelog-format.js";

/** A shard's state as of one commit marker, and what reading it cost. */
export interface RestoredShard {
  readonly entries: Map<string, unknown>;
  readonly marker: CommitMarker | undefined;
  readonly recordsRead: number;
}

/**
 * One changelog topic, read through skp's own fetch path: which commit markers each partition holds
 * (scanned incrementally, from where the last look ended), and a shard's state as of one of them.
 */
export class ShardLog {
  private readonly scans = new Map<number, { next: number; commits: Map<string, number> }>();

  constructor(
    private readonly reader: OffsetReader,
    private readonly admin: () => Admin,
    readonly topic: string,
  ) {}

  /** Whether the partition's log holds the commit of `token` (reading what was appended since the last look). */
  async hasCommit(partition: number, token: string): Promise<boolean> {
    const scan = await this.scan(partition);
    if (scan.commits.has(token)) return true;
    const { high } = await this.bounds(partition);
    if (high > scan.next) {
      const [rows = []] = await this.reader.read([{ topic: this.topic, partition, from: scan.next, until: high }]);
      for (const row of rows) {
        const record = decodeRecord(row);
        if (record.kind === "commit") scan.commits.set(record.marker.token, row.offset);
      }
      scan.next = high;
    }
    return scan.commits.has(token);
  }

  /**
   * The partition's state right after the commit of `token` (null: before any, the empty state): every
   * batch committed up to it, in log order, each applied only once its marker is read. Changes after
   * `token`'s marker — a later owner's batches, or a batch being replayed — are not applied.
   */
  async restore(partition: number, token: string | null): Promise<RestoredShard> {
    const entries = new Map<string, unknown>();
    if (token === null) return { entries, marker: undefined, recordsRead: 0 };
    if (!(await this.hasCommit(partition, token))) throw kafkaErrors.commitMissing(this.topic, partition, token);
    const until = (this.scans.get(partition)?.commits.get(token) as number) + 1;
    const { low } = await this.bounds(partition);
    const [rows = []] = await this.reader.read([{ topic: this.topic, partition, from: low, until }]);
    let pending: { token: string | null; key: string; value: unknown }[] = [];
    let marker: CommitMarker | undefined;
    for (const row of rows) {
      const record = decodeRecord(row);
      if (record.kind === "change") {
        pending.push(record);
        continue;
      }
      marker = record.marker;
      for (const change of pending) {
        // Changes under another token are a dead attempt's (never committed): skipped.
        if (change.token !== marker.token) continue;
        if (change.value === undefined) entries.delete(change.key);
        else entries.set(change.key, change.value);
      }
      pending = [];
    }
    return { entries, marker, recordsRead: rows.length };
  }

  private async scan(partition: number) {
    let scan = this.scans.get(partition);
    if (!scan) {
      scan = { next: (await this.bounds(partition)).low, commits: new Map() };
      this.scans.set(partition, scan);
    }
    return scan;
  }

  private async bounds(partition: number): Promise<{ low: number; high: number }> {
    const p = (await this.admin().fetchTopicOffsets(this.topic)).find((o) => o.partition === partition);
    if (!p) throw kafkaErrors.changelogTooSmall(this.topic, partition, partition + 1);
    return { low: Number(p.low), high: Number(p.high) };
  }
}
