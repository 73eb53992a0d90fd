import { errorMessage, errors } from "../errors.js";
import type { AppendFile, CheckpointFileSystem } from "./file-system.js";
import type { JournalRecord } from "./journal-format.js";
import { decodeSegment, encodeRecord } from "./journal-format.js";

/** A segment is closed after this many records; it is deleted once none of its records is live. */
const RECORDS_PER_SEGMENT = 512;

interface Entry {
  text: string;
  /** The segment holding the record; -1 while it waits to be written. */
  segment: number;
}

/**
 * The checkpoint's write-ahead journal (`<checkpoint>/wal/<n>.log`): the small log entries every batch
 * writes (`offsets/N`, `commits/N`, state deltas) are appended to one file and made durable together
 * by a single fdatasync — a group commit — instead of a temp file, a rename and two fsyncs each.
 *
 * The journal is the record of truth for those paths. Each live entry is also copied to its own file
 * (`offsets/N` …, the layout Spark users know) when the query stops, and at the next start if a crash
 * left one missing or different — not while it runs, where a copy per entry would cost more file
 * operations than the journal saves. A checkpoint written before the journal existed has only the
 * files, and is read from them.
 */
export class Journal {
  private readonly index = new Map<string, Entry>();
  private readonly live = new Map<number, number>();
  private file!: AppendFile;
  private segment: number;
  private segmentRecords = 0;
  private pending: { frame: Uint8Array; path: string; entry: Entry }[] = [];
  private appended = 0;
  private durable = 0;
  private requested = 0;
  private waiters: { seq: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;
  private failure: unknown;
  /** Journaled paths that have a file on disk (a copy, or an entry from before the journal). */
  private readonly files = new Set<string>();
  /** Entries whose own file holds exactly their text. */
  private readonly copied = new Set<string>();
  /** Removals of per-entry files, in order. */
  private copies: Promise<void> = Promise.resolve();

  private constructor(
    private readonly fs: CheckpointFileSystem,
    private readonly dir: string,
    lastSegment: number,
  ) {
    this.segment = lastSegment + 1;
  }

  /** Reads every segment, repairs the per-entry files, and opens a new segment for this run. */
  static async open(fs: CheckpointFileSystem, dir: string): Promise<Journal> {
    const walDir = fs.join(dir, "wal");
    await fs.mkdirs(walDir);
    const segments = (await fs.list(walDir))
      .map((name) => /^(\d+)\.log$/.exec(name))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const journal = new Journal(fs, dir, segments.at(-1) ?? -1);
    for (const [i, segment] of segments.entries()) {
      const file = fs.join(walDir, `${segment}.log`);
      const bytes = (await fs.readBytes(file)) ?? new Uint8Array();
      const decoded = decodeSegment(bytes);
      const last = i === segments.length - 1;
      if (decoded.corruptAt !== undefined || (!last && decoded.validBytes < bytes.length)) {
        throw errors.corruptCheckpoint(file, `damaged record at byte ${decoded.validBytes} with records after it`);
      }
      for (const record of decoded.records) {
        const old = journal.index.get(record.path);
        if (old) journal.live.set(old.segment, (journal.live.get(old.segment) ?? 1) - 1);
        journal.index.set(record.path, journal.place({ text: record.text, segment: -1 }, segment));
      }
      if (decoded.validBytes < bytes.length) {
        // A torn tail: the write a crash cut short was never acknowledged, so nothing depends on it.
        const torn = await fs.openAppend(file);
        await torn.truncate(decoded.validBytes);
        await torn.sync();
        await torn.close();
      }
    }
    for (const segment of segments) {
      if (journal.live.get(segment)) continue;
      journal.live.delete(segment);
      await fs.remove(journal.segmentFile(segment));
    }
    for (const path of await listCovered(fs, dir)) journal.files.add(path);
    for (const [path, entry] of journal.index) {
      const file = fs.join(dir, path);
      if (!journal.files.has(path) || (await fs.read(file)) !== entry.text) await journal.copy(file, entry.text);
      journal.files.add(path);
      journal.copied.add(path);
    }
    journal.file = await fs.openAppend(journal.segmentFile(journal.segment));
    return journal;
  }

  /** Whether `path` (relative to the checkpoint) is a journaled entry rather than an ordinary file. */
  static covers(path: string): boolean {
    return /^(offsets|commits)\/\d+$/.test(path) || /^state\/.+\.delta$/.test(path);
  }

  read(path: string): string | undefined {
    return this.index.get(path)?.text;
  }

  /** Whether a journaled path has a file on disk (read it when the journal has no entry for it). */
  hasFile(path: string): boolean {
    return this.files.has(path);
  }

  /** The journaled entries and files directly in `dir` (relative). */
  names(dir: string): string[] {
    const prefix = `${dir}/`;
    const out = new Set<string>();
    for (const paths of [this.index.keys(), this.files]) {
      for (const path of paths) if (path.startsWith(prefix) && !path.includes("/", prefix.length)) out.add(path.slice(prefix.length));
    }
    return [...out];
  }

  /**
   * Appends an entry; it is readable at once, and durable once a `sync()` made after it resolves.
   * Appending writes nothing: entries wait for the next sync, so they share its fdatasync.
   */
  append(record: JournalRecord): void {
    if (this.failure) throw this.failure;
    const entry: Entry = { text: record.text, segment: -1 };
    this.forget(record.path);
    this.copied.delete(record.path);
    this.index.set(record.path, entry);
    this.pending.push({ frame: encodeRecord(record), path: record.path, entry });
    this.appended++;
  }

  remove(path: string): void {
    this.forget(path);
    this.copied.delete(path);
    if (!this.files.delete(path)) return;
    const file = this.fs.join(this.dir, path);
    this.enqueue(() => this.fs.remove(file));
  }

  /** Writes what was appended (one write, one fdatasync); resolves once everything appended so far is durable. */
  sync(): Promise<void> {
    const done = this.whenDurable();
    this.requested = this.appended;
    if (!this.flushing && this.pending.length > 0) {
      this.flushing = true;
      void this.flush();
    }
    return done;
  }

  /** Resolves once everything appended so far is durable, without forcing a write: some later `sync()` will. */
  whenDurable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.durable >= this.appended) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq: this.appended, resolve, reject }));
  }

  /**
   * Copies each durable entry not yet copied to its own file (plain overwrites: a torn copy is
   * rewritten at the next open). The checkpoint calls it when it purges, in the background, so the
   * copies trail the journal by a few batches while the query runs and are complete when it stops.
   */
  async copyLive(): Promise<void> {
    await this.copies;
    const missing = [...this.index].filter(([path, entry]) => entry.segment >= 0 && !this.copied.has(path));
    await Promise.all([...new Set(missing.map(([path]) => parentOf(this.fs.join(this.dir, path))))].map((d) => this.fs.mkdirs(d)));
    for (let i = 0; i < missing.length; i += 16) {
      await Promise.all(
        missing.slice(i, i + 16).map(async ([path, entry]) => {
          const file = this.fs.join(this.dir, path);
          await this.fs.writeAtomic(file, entry.text, { durable: false, atomic: false });
          this.files.add(path);
          if (this.index.get(path) === entry) this.copied.add(path);
          else if (!this.index.has(path)) this.remove(path); // purged while its copy was written
        }),
      );
    }
  }

  /** Makes everything durable, copies each live entry to its own file and closes the segment. */
  async close(): Promise<void> {
    try {
      await this.sync();
      await this.copyLive();
    } finally {
      await this.file?.close().catch(() => {});
    }
    if (this.failure) throw this.failure;
  }

  private async flush(): Promise<void> {
    try {
      // Only what a sync asked for: an entry appended meanwhile waits to share the next sync's write.
      while (this.requested > this.durable && this.pending.length > 0) {
        const group = this.pending;
        this.pending = [];
        const upTo = this.appended;
        if (this.segmentRecords >= RECORDS_PER_SEGMENT) await this.roll();
        const bytes = new Uint8Array(group.reduce((n, g) => n + g.frame.length, 0));
        let at = 0;
        for (const g of group) {
          bytes.set(g.frame, at);
          at += g.frame.length;
        }
        await this.file.write(bytes); // durable when it resolves (O_DSYNC)
        this.segmentRecords += group.length;
        this.durable = upTo;
        for (const g of group) {
          if (this.index.get(g.path) === g.entry) this.place(g.entry, this.segment); // else rewritten or removed meanwhile
        }
        this.waiters = this.waiters.filter((w) => (w.seq <= upTo ? (w.resolve(), false) : true));
      }
    } catch (e) {
      this.fail(errors.queryFailed(new Error(`the checkpoint journal cannot be written: ${errorMessage(e)}`)));
    } finally {
      this.flushing = false;
    }
  }

  private async roll(): Promise<void> {
    const old = this.segment;
    await this.file.close();
    this.segment++;
    this.segmentRecords = 0;
    this.file = await this.fs.openAppend(this.segmentFile(this.segment));
    if (!this.live.get(old)) this.enqueue(() => this.fs.remove(this.segmentFile(old)));
  }

  private place(entry: Entry, segment: number): Entry {
    entry.segment = segment;
    this.live.set(segment, (this.live.get(segment) ?? 0) + 1);
    return entry;
  }

  /** Drops `path` from the index; a closed segment left with no live record is deleted. */
  private forget(path: string): boolean {
    const entry = this.index.get(path);
    if (!entry) return false;
    this.index.delete(path);
    if (entry.segment < 0) return true;
    const left = (this.live.get(entry.segment) ?? 1) - 1;
    this.live.set(entry.segment, left);
    if (left === 0 && entry.segment !== this.segment) {
      this.live.delete(entry.segment);
      const file = this.segmentFile(entry.segment);
      this.enqueue(() => this.fs.remove(file));
    }
    return true;
  }

  private async copy(file: string, text: string): Promise<void> {
    await this.fs.mkdirs(parentOf(file));
    await this.fs.writeAtomic(file, text, { durable: false });
  }

  private enqueue(task: () => Promise<void>): void {
    this.copies = this.copies.then(task).catch((e) => this.fail(e));
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters = [];
  }

  private segmentFile(segment: number): string {
    return this.fs.join(this.dir, "wal", `${segment}.log`);
  }
}

const parentOf = (file: string) => file.slice(0, file.lastIndexOf("/"));

/** The journaled paths that exist as files: `offsets/*`, `commits/*`, `state/<op>/*.delta`. */
async function listCovered(fs: CheckpointFileSystem, dir: string): Promise<string[]> {
  const out: string[] = [];
  const add = async (rel: string) => {
    for (const name of await fs.list(fs.join(dir, rel))) if (Journal.covers(`${rel}/${name}`)) out.push(`${rel}/${name}`);
  };
  await add("offsets");
  await add("commits");
  for (const op of await fs.list(fs.join(dir, "state"))) await add(`state/${op}`);
  return out;
}
