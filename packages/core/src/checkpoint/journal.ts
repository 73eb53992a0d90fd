import { errors } from "../errors.js";
import type { CheckpointFileSystem } from "./file-system.js";
import type { JournalRecord } from "./journal-format.js";
import { decodeSegment, encodeRecord, recordAt } from "./journal-format.js";
import { JournalWriter } from "./journal-writer.js";
import { PathsByDir } from "./paths-by-dir.js";

interface Pending {
  path: string;
  entry: Entry;
}

interface Entry {
  /** The entry's text, kept in memory unless it is large (a big state delta): then read from its segment. */
  text: string | undefined;
  /** The segment holding the record; -1 while it waits to be written. */
  segment: number;
  /** Where its frame starts in the segment. */
  offset: number;
}

/** Entries up to this size stay in memory; larger ones are read back from their segment when asked for. */
const KEEP_IN_MEMORY = 16 << 10;

/**
 * The checkpoint's write-ahead journal (`<checkpoint>/wal/<n>.log`): the small log entries every batch
 * writes (`offsets/N`, `commits/N`, state deltas) are appended to one file and made durable together
 * by a single fdatasync — a group commit — instead of a temp file, a rename and two fsyncs each.
 *
 * The journal is the record of truth for those paths. Each live `offsets/N` and `commits/N` entry is
 * also copied to its own file (the layout Spark users know) when the query stops, and at the next
 * start if a crash left one missing or different; while a query runs the copies trail the journal.
 * State deltas are not copied. A checkpoint written before the journal existed has only the files,
 * and is read from them. Large entries are not held in memory: the index keeps where they are.
 */
export class Journal {
  private readonly index = new Map<string, Entry>();
  /** The index's paths by directory (a purge lists one directory every few batches). */
  private readonly indexed = new PathsByDir();
  private readonly live = new Map<number, number>();
  private readonly writer: JournalWriter<Pending>;
  /** A removal or copy that failed: the next append reports it. */
  private failure: unknown;
  /** Journaled paths that have a file on disk (a copy, or an entry from before the journal). */
  private readonly files = new PathsByDir();
  /** Entries whose own file holds exactly their text. */
  private readonly copied = new Set<string>();
  /** Removals of per-entry files, in order. */
  private copies: Promise<void> = Promise.resolve();

  private constructor(
    private readonly fs: CheckpointFileSystem,
    private readonly dir: string,
    lastSegment: number,
  ) {
    this.writer = new JournalWriter<Pending>(
      fs,
      (segment) => this.segmentFile(segment),
      lastSegment + 1,
      ({ path, entry }, segment, offset) => {
        if (this.index.get(path) === entry) this.place(entry, segment, offset); // else rewritten or removed meanwhile
      },
      (closed) => {
        if (!this.live.get(closed)) this.enqueue(() => this.fs.remove(this.segmentFile(closed)));
      },
    );
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
      // Older segments were whole when the next began: any damage there is corruption. In the newest,
      // a damaged record may be a write a crash cut short with a later write (two run at once) whole
      // after it: nothing from the damage on was acknowledged, so it is cut off (point-in-time recovery).
      if (!last && (decoded.corruptAt !== undefined || decoded.torn)) {
        throw errors.corruptCheckpoint(file, `damaged record at byte ${decoded.validBytes}, and newer segments follow`);
      }
      decoded.records.forEach((record, k) => {
        const old = journal.index.get(record.path);
        if (old) journal.live.set(old.segment, (journal.live.get(old.segment) ?? 1) - 1);
        journal.setEntry(record.path, journal.place({ text: record.text, segment: -1, offset: 0 }, segment, decoded.offsets[k]!));
      });
      if (last && decoded.validBytes < bytes.length) {
        // A torn tail (a write a crash cut short was never acknowledged, so nothing depends on it), or
        // the unused preallocated zeros: this run appends to a new segment.
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
      if (!isLog(path)) continue;
      const file = fs.join(dir, path);
      const text = entry.text ?? (await journal.read(path))!;
      if (!journal.files.has(path) || (await fs.read(file)) !== text) await journal.copy(file, text);
      journal.files.add(path);
      journal.copied.add(path);
    }
    await journal.writer.open();
    return journal;
  }

  /** Whether `path` (relative to the checkpoint) is a journaled entry rather than an ordinary file. */
  static covers(path: string): boolean {
    return /^(offsets|commits)\/\d+$/.test(path) || /^state\/.+\.delta$/.test(path);
  }

  /** The entry's text: from memory, or (a large one) from its segment. */
  async read(path: string): Promise<string | undefined> {
    const entry = this.index.get(path);
    if (!entry || entry.text !== undefined) return entry?.text;
    const file = this.segmentFile(entry.segment);
    const head = await this.fs.readRange(file, entry.offset, 8);
    const length = head && head.length === 8 ? new DataView(head.buffer, head.byteOffset, 8).getUint32(0, true) : 0;
    const frame = await this.fs.readRange(file, entry.offset, 8 + length);
    const record = frame && recordAt(frame, 0);
    if (!record || record.path !== path)
      throw errors.corruptCheckpoint(file, `the record of ${path} at byte ${entry.offset} cannot be read back`);
    return record.text;
  }

  /** Whether a journaled path has a file on disk (read it when the journal has no entry for it). */
  hasFile(path: string): boolean {
    return this.files.has(path);
  }

  /** The journaled entries and files directly in `dir` (relative). */
  names(dir: string): string[] {
    return [...new Set([...this.indexed.names(dir), ...this.files.names(dir)])];
  }

  /**
   * Appends an entry; it is readable at once, and durable once a `sync()` made after it resolves.
   * Appending writes nothing: entries wait for the next sync, so they share its fdatasync.
   */
  append(record: JournalRecord): void {
    if (this.failure) throw this.failure;
    const entry: Entry = { text: record.text, segment: -1, offset: 0 };
    this.forget(record.path);
    this.copied.delete(record.path);
    this.setEntry(record.path, entry);
    this.writer.append(encodeRecord(record), { path: record.path, entry });
  }

  remove(path: string): void {
    this.forget(path);
    this.copied.delete(path);
    if (!this.files.delete(path)) return;
    const file = this.fs.join(this.dir, path);
    this.enqueue(() => this.fs.remove(file));
  }

  /** The number of entries appended so far: a position to `sync` up to later. */
  get position(): number {
    return this.writer.position;
  }

  /** Resolves once the entries up to `position` are durable, without asking for a write: a later `sync` makes it. */
  durableAt(position: number): Promise<void> {
    return this.writer.durableAt(position);
  }

  /**
   * Resolves once the entries up to `position` (default: all appended so far) are durable. Writes what
   * was appended (one durable write) unless a write already under way or asked for covers them.
   */
  sync(position?: number): Promise<void> {
    return this.writer.sync(position);
  }

  /**
   * Copies each durable entry not yet copied to its own file (plain overwrites: a torn copy is
   * rewritten at the next open). Done when the query stops, not while it runs: a copy and a removal per
   * entry cost more file operations than the journal saves, and they compete with its writes.
   */
  async copyLive(): Promise<void> {
    await this.copies;
    // Copies of the logs only: state deltas are the stores' own (and may be large).
    const missing = [...this.index].filter(([path, entry]) => entry.segment >= 0 && !this.copied.has(path) && isLog(path));
    await Promise.all([...new Set(missing.map(([path]) => parentOf(this.fs.join(this.dir, path))))].map((d) => this.fs.mkdirs(d)));
    for (let i = 0; i < missing.length; i += 16) {
      await Promise.all(
        missing.slice(i, i + 16).map(async ([path, entry]) => {
          const file = this.fs.join(this.dir, path);
          await this.fs.writeAtomic(file, (await this.read(path)) ?? "", { durable: false, atomic: false });
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
      await this.writer.sync();
      await this.copyLive();
    } finally {
      await this.writer.close().catch(() => {});
    }
    if (this.failure) throw this.failure;
  }

  private setEntry(path: string, entry: Entry): void {
    this.index.set(path, entry);
    this.indexed.add(path);
  }

  private place(entry: Entry, segment: number, offset: number): Entry {
    entry.segment = segment;
    entry.offset = offset;
    if (entry.text !== undefined && entry.text.length > KEEP_IN_MEMORY) entry.text = undefined;
    this.live.set(segment, (this.live.get(segment) ?? 0) + 1);
    return entry;
  }

  /** Drops `path` from the index; a closed segment left with no live record is deleted. */
  private forget(path: string): boolean {
    const entry = this.index.get(path);
    if (!entry) return false;
    this.index.delete(path);
    this.indexed.delete(path);
    if (entry.segment < 0) return true;
    const left = (this.live.get(entry.segment) ?? 1) - 1;
    this.live.set(entry.segment, left);
    if (left === 0 && entry.segment !== this.writer.segment) {
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
  }

  private segmentFile(segment: number): string {
    return this.fs.join(this.dir, "wal", `${segment}.log`);
  }
}

const parentOf = (file: string) => file.slice(0, file.lastIndexOf("/"));
const isLog = (path: string) => path.startsWith("offsets/") || path.startsWith("commits/");

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
