import { errorMessage, errors } from "../errors.js";
import type { AppendFile, CheckpointFileSystem } from "./file-system.js";

/** A segment is closed after this many records or bytes; it is deleted once none of its records is live. */
const RECORDS_PER_SEGMENT = 512;
const BYTES_PER_SEGMENT = 64 << 20;
/** Zeros written ahead in a new segment (see `openAppend`); records beyond them just grow the file. */
const SEGMENT_BYTES = 1 << 20;
/** Durable writes that may run at once. */
const WRITES_IN_FLIGHT = 2;

interface Write<T> {
  upTo: number;
  items: T[];
  offsets: number[];
  segment: number;
  /** Its place among the writes to its segment's file (see `AppendFile.writesDone`). */
  fileWrite: number;
  done: boolean;
}

/**
 * Group commit over the journal's segment files (`wal/<n>.log`). `append` queues a frame and writes
 * nothing; `sync` starts a write of everything queued, unless a write under way or already asked for
 * covers what it waits for. Up to `WRITES_IN_FLIGHT` writes run at once, each durable on its own
 * (O_DSYNC): the next batch's plan need not wait for the previous write to come back to this thread.
 * Writes may finish out of order; what is durable is the prefix of writes that all finished, and
 * `onDurable` hears of each item, in order, with the segment that holds it and where its frame starts.
 */
export class JournalWriter<T> {
  private file!: AppendFile;
  /** The next segment, created (zeros written ahead, made durable) while this one fills: a roll only swaps. */
  private next: Promise<AppendFile> | undefined;
  private segmentRecords = 0;
  /** Writes made to the current segment's file. */
  private fileWrites = 0;
  /** Bytes written to (or reserved in) the current segment: where the next frame starts. */
  private segmentBytes = 0;
  private queued: { frame: Uint8Array; item: T }[] = [];
  private appended = 0;
  private durable = 0;
  private requested = 0;
  private dispatched = 0;
  private inFlight: Write<T>[] = [];
  private rolling: Promise<void> | undefined;
  private waiters: { seq: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown;

  constructor(
    private readonly fs: CheckpointFileSystem,
    private readonly segmentFile: (segment: number) => string,
    /** The segment this writer appends to first (a new one: a run never appends to an old segment). */
    public segment: number,
    private readonly onDurable: (item: T, segment: number, offset: number) => void,
    private readonly onClosed: (segment: number) => void,
  ) {}

  async open(): Promise<void> {
    this.file = await this.create(this.segment);
    this.prepareNext();
  }

  /** The number of frames appended so far: a position to `sync` up to later. */
  get position(): number {
    return this.appended;
  }

  append(frame: Uint8Array, item: T): void {
    if (this.failure) throw this.failure;
    this.queued.push({ frame, item });
    this.appended++;
  }

  /** Resolves once the frames up to `position` are durable, without asking for a write. */
  durableAt(position: number): Promise<void> {
    this.poll();
    if (this.failure) return Promise.reject(this.failure);
    if (this.durable >= position) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.waiters.push({ seq: position, resolve, reject }));
  }

  /** Resolves once the frames up to `position` (default: all appended) are durable, writing them if need be. */
  sync(position = this.appended): Promise<void> {
    const done = this.durableAt(position); // learns of finished writes first: they free places to write in
    if (this.durable < position && this.requested < position) {
      this.requested = this.appended;
      this.dispatch();
    }
    return done;
  }

  async close(): Promise<void> {
    try {
      await this.sync();
    } finally {
      await this.file?.close().catch(() => {});
      const next = await this.next?.catch(() => undefined);
      if (next) {
        // Unused: a later run starts a segment after the newest present, so this one would only be empty.
        await next.close().catch(() => {});
        await this.fs.remove(this.segmentFile(this.segment + 1)).catch(() => {});
      }
    }
  }

  private dispatch(): void {
    while (!this.failure && !this.rolling && this.requested > this.dispatched && this.queued.length > 0) {
      if (this.inFlight.length >= WRITES_IN_FLIGHT) return; // `complete` dispatches again
      if (this.segmentRecords >= RECORDS_PER_SEGMENT || this.segmentBytes >= BYTES_PER_SEGMENT) {
        if (this.inFlight.length > 0) return; // roll once the old segment's writes are back
        this.rolling = this.roll().then(() => {
          this.rolling = undefined;
          this.dispatch();
        }, this.failed);
        return;
      }
      const queued = this.queued;
      this.queued = [];
      const bytes = new Uint8Array(queued.reduce((n, q) => n + q.frame.length, 0));
      const offsets: number[] = [];
      let at = 0;
      for (const q of queued) {
        bytes.set(q.frame, at);
        offsets.push(this.segmentBytes + at);
        at += q.frame.length;
      }
      this.segmentBytes += bytes.length;
      const write: Write<T> = {
        upTo: this.appended,
        items: queued.map((q) => q.item),
        offsets,
        segment: this.segment,
        fileWrite: this.fileWrites++,
        done: false,
      };
      this.inFlight.push(write);
      this.dispatched = write.upTo;
      this.segmentRecords += queued.length;
      this.file.write(bytes).then(() => {
        write.done = true;
        this.complete();
      }, this.failed);
    }
  }

  /** Learns, without waiting, of writes the file reports finished (see `AppendFile.writesDone`). */
  private poll(): void {
    const finished = this.file?.writesDone?.();
    if (finished === undefined) return;
    let any = false;
    for (const write of this.inFlight) {
      if (!write.done && write.fileWrite < finished) any = write.done = true;
    }
    if (any) this.complete();
  }

  private complete(): void {
    while (this.inFlight[0]?.done) {
      const write = this.inFlight.shift()!;
      this.durable = write.upTo;
      for (const [i, item] of write.items.entries()) this.onDurable(item, write.segment, write.offsets[i]!);
    }
    const ready = this.waiters.filter((w) => w.seq <= this.durable);
    this.waiters = this.waiters.filter((w) => w.seq > this.durable);
    for (const w of ready) w.resolve();
    this.dispatch();
  }

  /**
   * Moves on to the next segment once the old one's writes are back (an older segment is whole when a
   * newer one begins). The next segment was made ready meanwhile, so writing goes on at once; the old
   * file closes behind.
   */
  private async roll(): Promise<void> {
    const old = this.segment;
    const oldFile = this.file;
    this.file = await this.next!;
    this.segment++;
    this.fileWrites = 0;
    this.segmentRecords = 0;
    this.segmentBytes = 0;
    this.prepareNext();
    oldFile.close().then(() => this.onClosed(old), this.failed);
  }

  private prepareNext(): void {
    this.next = this.create(this.segment + 1);
    this.next.catch(() => {}); // a failure surfaces at the roll that needs it
  }

  private create(segment: number): Promise<AppendFile> {
    return this.fs.openAppend(this.segmentFile(segment), { preallocate: SEGMENT_BYTES });
  }

  private readonly failed = (e: unknown): void => {
    this.failure ??= errors.queryFailed(new Error(`the checkpoint journal cannot be written: ${errorMessage(e)}`));
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters = [];
  };
}
