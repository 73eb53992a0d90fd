import type { Admin } from "kafkajs";
import { kafkaErrors } from "../errors.js";
import type { OffsetReader } from "../kafka-row.js";
import type { CommitMarker } from "./changelog-format.js";
import { decodeRecord } from "./changelog-format.js";

/** A shard's state after the last batch its log holds, and what reading it cost. */
export interface RestoredShard {
  readonly entries: Map<string, unknown>;
  readonly marker: CommitMarker | undefined;
  readonly recordsRead: number;
  /** Records since the last snapshot: how much a restore reads beyond the state itself. */
  readonly sinceSnapshot: number;
}

interface Scan {
  /** The next offset to look at. */
  next: number;
  /** The last commit marker seen. */
  last: CommitMarker | undefined;
  /** Where the last snapshot's records begin (a restore can start there), if one was seen. */
  snapshotStart: number | undefined;
  /** Where the records after the last marker begin. */
  batchStart: number;
}

/**
 * One changelog topic, read through skp's own fetch path: which batch each partition last committed
 * (scanned incrementally, from where the last look ended), and a shard's state after it.
 */
export class ShardLog {
  private readonly scans = new Map<number, Scan>();

  constructor(
    private readonly reader: OffsetReader,
    private readonly admin: () => Admin,
    readonly topic: string,
  ) {}

  /** The token of the last batch the partition's log committed (reading what was appended since the last look). */
  async lastCommit(partition: number): Promise<string | undefined> {
    return (await this.look(partition)).scan.last?.token;
  }

  /** Reads what was appended to the partition since the last look; its scan, and where its log starts. */
  private async look(partition: number): Promise<{ scan: Scan; low: number }> {
    const { low, high } = await this.bounds(partition);
    let scan = this.scans.get(partition);
    if (!scan || scan.next < low) {
      scan = { next: low, last: undefined, snapshotStart: undefined, batchStart: low };
      this.scans.set(partition, scan);
    }
    if (high > scan.next) {
      const [rows = []] = await this.reader.read([{ topic: this.topic, partition, from: scan.next, until: high }]);
      for (const row of rows) {
        const record = decodeRecord(row);
        if (record.kind !== "commit") continue;
        if (record.marker.snapshot) scan.snapshotStart = scan.batchStart;
        scan.last = record.marker;
        scan.batchStart = row.offset + 1;
      }
      scan.next = high;
    }
    return { scan, low };
  }

  /**
   * Notes a batch this process just wrote to the partition (`first`..`last`, the marker last), so the
   * next look does not read its own writes back. Only when the scan had read up to `first`.
   */
  wrote(partition: number, first: number, last: number, marker: CommitMarker): void {
    const scan = this.scans.get(partition);
    if (!scan || scan.next !== first) return;
    if (marker.snapshot) scan.snapshotStart = first;
    scan.last = marker;
    scan.next = scan.batchStart = last + 1;
  }

  /**
   * The partition's state after its last committed batch: every batch in log order, each applied once
   * its marker is read (a snapshot replaces the state). Reads from the last snapshot when one is known.
   */
  async restore(partition: number): Promise<RestoredShard> {
    const { scan, low } = await this.look(partition);
    const from = scan.snapshotStart !== undefined && scan.snapshotStart >= low ? scan.snapshotStart : low;
    const entries = new Map<string, unknown>();
    if (!scan.last) return { entries, marker: undefined, recordsRead: 0, sinceSnapshot: 0 };
    const [rows = []] = await this.reader.read([{ topic: this.topic, partition, from, until: scan.batchStart }]);
    // Records before the log's first snapshot are whole only if nothing was deleted before them.
    let whole = from === 0;
    let pending: { key: string; value: unknown }[] = [];
    let marker: CommitMarker | undefined;
    let sinceSnapshot = 0;
    for (const row of rows) {
      const record = decodeRecord(row);
      if (record.kind === "change") {
        pending.push(record);
        continue;
      }
      marker = record.marker;
      if (marker.snapshot) {
        entries.clear();
        whole = true;
        sinceSnapshot = 0;
      }
      for (const change of pending) {
        if (change.value === undefined) entries.delete(change.key);
        else entries.set(change.key, change.value);
      }
      sinceSnapshot += pending.length + 1;
      pending = [];
    }
    if (!whole) throw kafkaErrors.changelogTruncated(this.topic, partition, low);
    return { entries, marker, recordsRead: rows.length, sinceSnapshot };
  }

  private async bounds(partition: number): Promise<{ low: number; high: number }> {
    const p = (await this.admin().fetchTopicOffsets(this.topic)).find((o) => o.partition === partition);
    if (!p) throw kafkaErrors.changelogTooSmall(this.topic, partition, partition + 1);
    return { low: Number(p.low), high: Number(p.high) };
  }
}
