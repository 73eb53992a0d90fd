import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { EncodeJob } from "./encode-job.js";
import { toWire } from "./encode-job.js";

/** The encoder threads' module: plain JavaScript beside this file, in the sources and in the build. */
const WORKER = new URL("./encode-worker.js", import.meta.url);

interface Pending {
  resolve: (bytes: Uint8Array) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
}

/** Jobs a worker holds at once: one encoding, one waiting, so it never idles on a round trip. */
const IN_FLIGHT = 2;

/**
 * Encodes Parquet files on worker threads, so hyparquet-writer's synchronous encoding neither blocks
 * the engine's event loop nor limits the sink to one core. Jobs wait in one queue and go to a worker
 * when it has room: a thread slowed by the machine takes fewer files instead of holding back a batch
 * with its share of them. Results come back as transferred buffers (no copy). Workers are unref'd:
 * an idle pool never keeps a process alive.
 *
 * Written by hand, not on piscina: the same sink on a piscina pool (the worker module below as its
 * task) measured 0.87, 0.91 and 0.93 of this pool in interleaved A/B runs (`bench:ab`, 10–12 pairs,
 * noise floor ±5%), with one or two tasks a thread. What this pool does that piscina's does not:
 * nothing but post a message with its transfer list and resolve on the answer.
 */
export class EncodePool {
  private slots: Slot[] = [];
  private pending = new Map<number, Pending>();
  private queue: { id: number; message: unknown; transfer: ArrayBuffer[] }[] = [];
  /** Which worker holds each job in flight. */
  private owner = new Map<number, Slot>();
  private nextId = 0;

  constructor(private readonly size: number) {}

  encode(job: EncodeJob): Promise<Uint8Array> {
    if (this.slots.length === 0) this.start();
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const { options, transfer } = toWire(job);
      this.queue.push({ id, message: { id, options }, transfer });
      this.dispatch();
    });
  }

  /** Hands queued jobs to workers with room, the least busy first. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
      if (slot.busy >= IN_FLIGHT) return;
      const { id, message, transfer } = this.queue.shift()!;
      // Referenced while it has work, so a process waiting only on an encoding does not exit.
      if (slot.busy++ === 0) slot.worker.ref();
      this.owner.set(id, slot);
      slot.worker.postMessage(message, transfer);
    }
  }

  private settle(id: number, outcome: { bytes: Uint8Array } | { error: Error }): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    const slot = this.owner.get(id);
    this.owner.delete(id);
    if (slot && --slot.busy === 0) slot.worker.unref();
    if ("bytes" in outcome) p?.resolve(outcome.bytes);
    else p?.reject(outcome.error);
    this.dispatch();
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(WORKER);
      worker.on("message", (m: { id: number; buffer?: ArrayBuffer; error?: string }) => {
        if (m.error !== undefined) this.settle(m.id, { error: new Error(`encoding a Parquet file failed: ${m.error}`) });
        else this.settle(m.id, { bytes: new Uint8Array(m.buffer!) });
      });
      worker.on("error", (e) => this.fail(e));
      worker.on("exit", (code) => {
        if (code !== 0 && this.slots.some((s) => s.worker === worker)) this.fail(new Error(`encoder thread exited with code ${code}`));
      });
      // After the listeners: attaching a "message" listener refs the worker's port again.
      worker.unref();
      this.slots.push({ worker, busy: 0 });
    }
  }

  /** A dead worker fails every job in flight (the batch then fails and is retried); later jobs start a fresh pool. */
  private fail(e: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.queue = [];
    this.owner.clear();
    for (const p of pending) p.reject(e);
    void this.close();
  }
}

const shared = new Map<number, EncodePool>();

/**
 * One pool per size for the whole process, like libuv's thread pool: sinks come and go, the warmed-up
 * encoder threads (their compiled hyparquet-writer) stay. Idle threads never keep the process alive.
 */
export function sharedEncodePool(size: number): EncodePool {
  let pool = shared.get(size);
  if (!pool) shared.set(size, (pool = new EncodePool(size)));
  return pool;
}

/** Default worker count: one per core, at most 4 (encoding is the sink's only CPU-heavy step). */
export function defaultEncodeThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}
