import { errorMessage, errors } from "../errors.js";
import type { Offset } from "../sources/source.js";
import type { CommitMetadata } from "./commit-log.js";
import { commitSerializer } from "./commit-log.js";
import type { CheckpointFileSystem } from "./file-system.js";
import { Journal } from "./journal.js";
import { journaledFileSystem } from "./journal-fs.js";
import { FileMetadataLog, parseJsonLine, splitVersioned } from "./metadata-log.js";
import type { OffsetSeq } from "./offset-seq-log.js";
import { offsetSeqSerializer } from "./offset-seq-log.js";
import type { QueryShape } from "./query-shape.js";
import { checkShape } from "./query-shape.js";

/** Where a restarted query picks up. */
export interface Recovery {
  /** The batch to run next (a re-run when `pending` is set). */
  nextBatchId: number;
  /** End offset of the last committed batch; undefined for a query that never committed one. */
  committedOffset?: Offset;
  watermarkMs: number;
  operatorWatermarks: Record<string, number>;
  /** Batch planned in `offsets/N` but not committed: re-run it with exactly these offsets and watermark. */
  pending?: OffsetSeq;
  /** The batch after `pending`, planned ahead while `pending` ran (`offsets/N+1`): re-run it next. */
  pendingNext?: OffsetSeq;
}

export const FRESH: Recovery = { nextBatchId: 0, watermarkMs: 0, operatorWatermarks: {} };

/**
 * A checkpoint directory:
 *
 *     metadata        {"id":"<query id>","shape":{...}}   — written once, checked on every start
 *     sources/0/0     the source's initial offset: `v1` then JSON, fixed at the first start (as Spark)
 *     offsets/<N>     planned before batch N runs          (offset-seq-log.ts)
 *     commits/<N>     written after the sink committed N   (commit-log.ts)
 *     state/<op>/     operator state, deltas + snapshots   (state/file-state-store.ts)
 *     wal/<n>.log     the journal: offsets, commits and state deltas, one fdatasync per group (journal.ts)
 *     .lock           the running owner's pid              (refuses a second running query)
 *
 * Writes to the offsets and commit logs and state deltas return once journaled; `sync()` is the
 * barrier that makes them durable (the runtime awaits it before a batch's effects).
 */
export class Checkpoint {
  readonly offsets: FileMetadataLog<OffsetSeq>;
  readonly commits: FileMetadataLog<CommitMetadata>;
  readonly stateRoot: string;
  /** The file system logs and state stores write through: journaled entries, plain files otherwise. */
  readonly fs: CheckpointFileSystem;

  private constructor(
    fs: CheckpointFileSystem,
    readonly dir: string,
    readonly queryId: string,
    private readonly journal: Journal,
    private readonly release: () => Promise<void>,
  ) {
    this.fs = journaledFileSystem(fs, dir, journal);
    this.offsets = new FileMetadataLog(this.fs, fs.join(dir, "offsets"), offsetSeqSerializer);
    this.commits = new FileMetadataLog(this.fs, fs.join(dir, "commits"), commitSerializer);
    this.stateRoot = fs.join(dir, "state");
  }

  /** Opens (or creates) `dir`, takes its lock, and checks it belongs to a query of this shape. */
  static async open(fs: CheckpointFileSystem, dir: string, shape: QueryShape, owner: string): Promise<Checkpoint> {
    await fs.mkdirs(dir);
    const release = await fs.lock(dir, owner);
    try {
      const metaFile = fs.join(dir, "metadata");
      const text = await fs.read(metaFile);
      let id: string;
      if (text === undefined) {
        if ((await fs.list(fs.join(dir, "offsets"))).some((n) => /^\d+$/.test(n))) {
          throw errors.corruptCheckpoint(metaFile, "missing while offsets exist");
        }
        id = crypto.randomUUID();
        await fs.writeAtomic(metaFile, JSON.stringify({ id, shape }));
      } else {
        const meta = parseMetadata(metaFile, text);
        checkShape(dir, meta.shape, shape);
        id = meta.id;
      }
      await Promise.all(["offsets", "commits"].map((d) => fs.mkdirs(fs.join(dir, d))));
      return new Checkpoint(fs, dir, id, await Journal.open(fs, dir), release);
    } catch (e) {
      await release();
      throw e;
    }
  }

  /**
   * Spark's recovery: if `commits/N` exists for the newest `offsets/N`, continue with N+1 from its end
   * offset and the watermark the commit recorded; if only `offsets/N` exists, re-run N exactly as planned
   * (and N-1 before it, when N was planned ahead and N-1's commit is missing too).
   */
  async recover(conf: Record<string, string>): Promise<Recovery> {
    const latest = await this.offsets.getLatest();
    if (!latest) return FRESH;
    const [n, seq] = latest;
    for (const [key, value] of Object.entries(conf)) {
      if (seq.conf[key] !== undefined && seq.conf[key] !== value) {
        throw errors.incompatibleCheckpoint(this.dir, `option "${key}"`, seq.conf[key], value);
      }
    }
    const committed = await this.commits.getLatest();
    const lastCommitted = committed?.[0] ?? -1;
    if (lastCommitted === n) {
      return {
        nextBatchId: n + 1,
        committedOffset: seq.end,
        watermarkMs: committed![1].nextBatchWatermarkMs,
        operatorWatermarks: committed![1].operatorWatermarks,
      };
    }
    if (lastCommitted === n - 1) {
      return {
        nextBatchId: n,
        committedOffset: n === 0 ? undefined : seq.start,
        watermarkMs: seq.batchWatermarkMs,
        operatorWatermarks: seq.operatorWatermarks,
        pending: seq,
      };
    }
    if (lastCommitted === n - 2) {
      // Batch n was planned ahead while n-1 ran, and n-1's commit did not become durable.
      const previous = await this.offsets.get(n - 1);
      if (previous) {
        return {
          nextBatchId: n - 1,
          committedOffset: n === 1 ? undefined : previous.start,
          watermarkMs: previous.batchWatermarkMs,
          operatorWatermarks: previous.operatorWatermarks,
          pending: previous,
          pendingNext: seq,
        };
      }
    }
    throw errors.corruptCheckpoint(
      this.commits.dir,
      lastCommitted > n
        ? `commit ${lastCommitted} has no offsets entry (newest offsets entry is ${n})`
        : `commits stop at ${lastCommitted} but offsets reach ${n}`,
    );
  }

  /** Keeps the last `retain` batches of logs (and the state needed to restart from them). */
  async purge(currentBatchId: number, retain: number): Promise<number> {
    const threshold = currentBatchId - retain + 1;
    if (threshold <= 0) return 0;
    await this.offsets.purge(threshold);
    await this.commits.purge(threshold);
    return threshold;
  }

  /**
   * The offset a new query starts from, recorded at its first start: a query that starts at "latest"
   * and is restarted before its first batch must not skip what arrived in between.
   */
  async initialOffset(compute: () => Offset | Promise<Offset>): Promise<Offset> {
    const file = this.fs.join(this.dir, "sources", "0", "0");
    const text = await this.fs.read(file);
    if (text !== undefined) {
      try {
        return parseJsonLine(splitVersioned(text, 1)[0], "initial offset");
      } catch (e) {
        throw errors.corruptCheckpoint(file, errorMessage(e));
      }
    }
    const offset = await compute();
    await this.fs.mkdirs(this.fs.join(this.dir, "sources", "0"));
    await this.fs.writeAtomic(
      file,
      `v1
${JSON.stringify(offset)}`,
    );
    return offset;
  }

  /**
   * Makes the log entries and state deltas written so far (or up to a `position`) durable, together:
   * one group commit, shared with any write already under way that covers them.
   */
  sync(position?: number): Promise<void> {
    return this.journal.sync(position);
  }

  /** Resolves once the logs are durable up to `position`, leaving the write to a later `sync`. */
  durableAt(position: number): Promise<void> {
    return this.journal.durableAt(position);
  }

  /** How far the logs have been written: `sync(position)` later waits for exactly that much. */
  get position(): number {
    return this.journal.position;
  }

  async close(): Promise<void> {
    try {
      await this.journal.close();
    } finally {
      await this.release();
    }
  }
}

function parseMetadata(file: string, text: string): { id: string; shape: QueryShape } {
  try {
    const meta = JSON.parse(text);
    if (typeof meta?.id !== "string" || typeof meta?.shape !== "object") throw new Error("no query id or shape");
    return meta;
  } catch (e) {
    throw errors.corruptCheckpoint(file, errorMessage(e));
  }
}
