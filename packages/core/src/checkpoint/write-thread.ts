/**
 * Durable writes on a thread of their own, with their progress in shared memory.
 *
 * The journal makes a batch's offsets durable with one O_DSYNC write while the batch runs. Done with
 * `fs.write` on libuv's pool, the write is usually finished long before the batch needs it, but the
 * engine only learns so in an event-loop turn — and a turn per batch costs more than the write (V8
 * runs its queued GC jobs there, other callbacks run). Here one worker thread does the writes in the
 * order they are sent and counts each file's finished writes in a SharedArrayBuffer: the engine reads
 * the count (`ThreadedFile.writesDone`) with no turn at all, and waits (`Atomics.waitAsync`) only when a
 * write is really still under way. Written by hand: worker-pool libraries (piscina, workerpool) answer
 * through messages, i.e. in an event-loop turn, which is the cost this avoids.
 *
 * One thread per process, started with the first journal; it keeps the process alive only while a
 * write is outstanding. A failed write fails its file only: later writes to it are refused, other
 * files (other queries' journals) go on.
 */
import type { Worker } from "node:worker_threads";

/** Files that can be open on the thread at once (two per running journal: its segment and the next). */
const THREAD_FILES = 256;

/**
 * Shared Int32 layout: [0] a progress counter bumped after every write (what waiters wait on), then per
 * file slot `s`: [1 + 2s] its writes finished, [2 + 2s] 1 once one of its writes failed.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const shared = new Int32Array(workerData);
parentPort.on("message", ({ slot, fd, at, bytes }) => {
  if (shared[2 + 2 * slot] === 0) {
    try {
      for (let n = 0; n < bytes.length; ) n += writeSync(fd, bytes, n, bytes.length - n, at + n);
      Atomics.add(shared, 1 + 2 * slot, 1);
    } catch (e) {
      Atomics.store(shared, 2 + 2 * slot, 1);
      parentPort.postMessage({ slot, message: String((e && e.message) || e), code: e && e.code });
    }
  }
  Atomics.add(shared, 0, 1);
  Atomics.notify(shared, 0);
});
`;

/** `Atomics.waitAsync` (V8 8.7+, every Node this package supports; typed only in lib es2024). */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: unknown } }).waitAsync;

export class WriteThread {
  private readonly free: number[] = [];
  private readonly files = new Map<number, ThreadedFile>();
  private watching = false;
  /** Set once the thread died: its files fail, and new files are written without it. */
  private dead: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly shared: Int32Array,
  ) {
    for (let s = THREAD_FILES - 1; s >= 0; s--) this.free.push(s);
    worker.on("message", (m: { slot: number; message: string; code?: string }) =>
      this.files.get(m.slot)?.failed(Object.assign(new Error(m.message), { code: m.code })),
    );
    worker.on("error", (e) => this.broken(e));
    worker.on("exit", () => this.broken(new Error("the checkpoint write thread exited")));
    worker.unref();
  }

  /** Starts a thread, or resolves to undefined where worker threads are not available. */
  static async start(): Promise<WriteThread | undefined> {
    try {
      const { Worker } = await import("node:worker_threads");
      const shared = new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * THREAD_FILES)));
      return new WriteThread(new Worker(WORKER_SOURCE, { eval: true, workerData: shared.buffer }), shared);
    } catch {
      return undefined;
    }
  }

  /**
   * A file (an open descriptor) to write through the thread, or undefined when every slot is taken or
   * the thread died (the caller then writes through libuv's pool).
   */
  open(fd: number): ThreadedFile | undefined {
    if (this.dead) return undefined;
    const slot = this.free.pop();
    if (slot === undefined) return undefined;
    Atomics.store(this.shared, 1 + 2 * slot, 0);
    Atomics.store(this.shared, 2 + 2 * slot, 0);
    const file = new ThreadedFile(this, slot, fd);
    this.files.set(slot, file);
    return file;
  }

  /** Sends a write; the buffer is handed over to the thread. */
  send(slot: number, fd: number, at: number, bytes: Uint8Array): void {
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    this.worker.postMessage({ slot, fd, at, bytes: own }, [own.buffer as ArrayBuffer]);
    this.watch();
  }

  release(slot: number): void {
    this.files.delete(slot);
    this.free.push(slot);
  }

  /** Settles finished writes' promises, waiting on the thread while any file has one outstanding. */
  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.worker.ref(); // an outstanding write keeps the process alive
    void (async () => {
      for (;;) {
        const seen = Atomics.load(this.shared, 0);
        let outstanding = false;
        for (const file of this.files.values()) outstanding = file.settle() || outstanding;
        if (!outstanding) break;
        const wait = waitAsync(this.shared, 0, seen);
        if (wait.async) await wait.value;
      }
      this.watching = false;
      this.worker.unref();
    })();
  }

  private broken(e: Error): void {
    this.dead ??= e;
    for (const file of this.files.values()) file.failed(e);
  }
}

/** One file's writes through the thread: which of them are done, known without an event-loop turn. */
export class ThreadedFile {
  private readonly pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private settled = 0;
  private failure: Error | undefined;
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly thread: WriteThread,
    private readonly slot: number,
    private readonly fd: number,
  ) {}

  /** A durable write of `data` at byte `at` (the buffer is handed over). */
  write(at: number, data: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const promise = new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject }));
    this.thread.send(this.slot, this.fd, at, data);
    this.last = promise.catch(() => {});
    return promise;
  }

  /** How many of this file's writes have finished (they finish in the order written). */
  writesDone(): number {
    return Atomics.load(this.thread.shared, 1 + 2 * this.slot);
  }

  /** Resolves the promises of finished writes; whether any write is still outstanding. */
  settle(): boolean {
    const done = this.writesDone();
    while (this.settled < done) {
      this.settled++;
      this.pending.shift()?.resolve();
    }
    if (this.failure) for (const p of this.pending.splice(0)) p.reject(this.failure);
    return this.pending.length > 0;
  }

  /** A write failed: it and every later one are refused (the earlier ones stand). */
  failed(e: Error): void {
    this.failure ??= e;
    this.settle();
  }

  /** Resolves once every write sent so far is over; then the file can be truncated or closed. */
  drain(): Promise<void> {
    return this.last;
  }

  /** Gives the file's slot back (after `drain`). */
  release(): void {
    this.thread.release(this.slot);
  }
}

let shared: Promise<WriteThread | undefined> | undefined;

/** The process's write thread (started on first use), or undefined where there can be none. */
export function writeThread(): Promise<WriteThread | undefined> {
  return (shared ??= WriteThread.start());
}
