import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { SchemaElement } from "./parquet-schema.js";

export type Codec = "SNAPPY" | "UNCOMPRESSED";

/** What one Parquet file needs: column arrays, their schema elements, codec and row-group size. */
export interface EncodeJob {
  columnData: { name: string; data: unknown[] | Int32Array | BigInt64Array | Float64Array }[];
  elements: readonly SchemaElement[];
  codec: Codec;
  rowGroupSize?: number;
}

/** hyparquet-writer's options for a job: the one place they are spelled, for this thread and the workers. */
function writeOptions<C>(job: Omit<EncodeJob, "columnData"> & { columnData: C }) {
  return {
    columnData: job.columnData,
    schema: [{ name: "root", num_children: job.elements.length }, ...job.elements],
    codec: job.codec,
    ...(job.rowGroupSize ? { rowGroupSize: job.rowGroupSize } : {}),
    createdBy: "skp parquet-sink (hyparquet-writer)",
  };
}

/** Encodes one file on the calling thread (hyparquet-writer is synchronous). */
export function encodeNow(job: EncodeJob): Uint8Array {
  return new Uint8Array(parquetWriteBuffer(writeOptions(job) as never));
}

// The worker loads hyparquet-writer from the exact file the sink itself resolved, so an installed
// package and the workspace sources behave the same. CommonJS script: `eval` workers have no module URL.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.writerUrl).then(({ parquetWriteBuffer }) => {
  parentPort.on("message", ({ id, options }) => {
    try {
      for (const c of options.columnData) {
        if (!c.packed) continue;
        const { text, lengths } = c.packed, data = new Array(lengths.length);
        for (let i = 0, at = 0; i < lengths.length; i++) {
          const n = lengths[i];
          if (n < 0) data[i] = null;
          else { data[i] = text.slice(at, at + n); at += n; }
        }
        c.data = data;
        delete c.packed;
      }

      const buffer = parquetWriteBuffer(options);
      parentPort.postMessage({ id, buffer }, [buffer]);
    } catch (e) {
      parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
    }
  });
  parentPort.postMessage({ ready: true });
});
`;

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
      const options = writeOptions({ ...job, columnData: job.columnData.map(packStrings) });
      this.queue.push({ id, message: { id, options }, transfer: transferables(options) });
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
    const writerUrl = pathToFileURL(createRequire(import.meta.url).resolve("hyparquet-writer")).href;
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { writerUrl } });
      worker.on("message", (m: { id: number; buffer?: ArrayBuffer; error?: string; ready?: boolean }) => {
        if (m.ready) return;
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

/**
 * A column of strings travels as one string plus lengths: copying one long string to a thread is a
 * memcpy, copying thousands of small ones is not. Other columns are sent as they are.
 */
function packStrings(
  c: EncodeJob["columnData"][number],
): EncodeJob["columnData"][number] | { name: string; data: null; packed: { text: string; lengths: Int32Array } } {
  const data = c.data;
  if (!Array.isArray(data) || data.length === 0 || typeof data[0] !== "string") return c;
  const lengths = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === "string") lengths[i] = v.length;
    else if (v === null || v === undefined) lengths[i] = -1;
    else return c;
  }
  return { name: c.name, data: null, packed: { text: data.join(""), lengths } };
}

/** The typed-array columns' buffers move to the worker instead of being copied. */
function transferables(job: { columnData: { data: unknown; packed?: { lengths: Int32Array } }[] }): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const c of job.columnData) {
    if (c.packed) out.push(c.packed.lengths.buffer as ArrayBuffer);
    const d = c.data;
    if (ArrayBuffer.isView(d) && d.buffer instanceof ArrayBuffer && d.byteLength === d.buffer.byteLength) out.push(d.buffer);
  }
  return out;
}
