/**
 * The only file operations checkpointing needs. Core talks to this interface; the Node implementation
 * (`node-file-system.ts`) is the one place that touches `node:fs`, so the engine itself stays portable.
 */
export interface CheckpointFileSystem {
  /** The whole file as UTF-8, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /**
   * Atomic replace: write a hidden temp file, fsync it, rename it into place, fsync the directory.
   * With `durable: false` the fsyncs are skipped: still atomic for readers, not across a power loss.
   * With `atomic: false` too, the file is simply overwritten (for copies whose truth is kept elsewhere).
   */
  writeAtomic(path: string, data: string, options?: { durable?: boolean; atomic?: boolean }): Promise<void>;
  /** The whole file's bytes, or undefined when it does not exist. */
  readBytes(path: string): Promise<Uint8Array | undefined>;
  /** `length` bytes from byte `at` (fewer at the end of the file), or undefined when it does not exist. */
  readRange(path: string, at: number, length: number): Promise<Uint8Array | undefined>;
  /**
   * Opens (creating it, durably, if missing) a file to append to: the write-ahead journal's segments.
   * A new file gets `preallocate` zero bytes, which appends overwrite (a reader stops at the zeros).
   */
  openAppend(path: string, options?: { preallocate?: number }): Promise<AppendFile>;
  /** Entry names in `dir`, or [] when it does not exist. */
  list(dir: string): Promise<string[]>;
  remove(path: string): Promise<void>;
  mkdirs(dir: string): Promise<void>;
  /**
   * Takes the directory's lock file (holding the owner's pid). Refuses while a live process holds it;
   * takes over a lock left by a process that died. Resolves to a release function.
   */
  lock(dir: string, owner: string): Promise<() => Promise<void>>;
  join(...parts: string[]): string;
}

/**
 * A file opened for appending whose writes are durable when they resolve (O_DSYNC: one system call
 * does the write and its fdatasync, so it runs whole on a worker thread while the engine computes).
 */
export interface AppendFile {
  /**
   * Writes `data` after everything written before (its place is taken at the call: writes may overlap).
   * The file may take over `data`'s buffer: the caller must not use it again.
   */
  write(data: Uint8Array): Promise<void>;
  /**
   * Optional: how many writes have finished, when they finish in the order made and this is known
   * without waiting (writes done by another thread that counts them in shared memory). Lets a batch
   * whose offsets are already durable go on without an event-loop turn.
   */
  writesDone?(): number;
  /** fdatasync, after `truncate`. */
  sync(): Promise<void>;
  /** Cuts the file to `size` bytes (a torn tail found at recovery). */
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}
