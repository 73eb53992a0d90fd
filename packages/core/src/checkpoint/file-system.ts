/**
 * The only file operations checkpointing needs. Core talks to this interface; the Node implementation
 * (`node-file-system.ts`) is the one place that touches `node:fs`, so the engine itself stays portable.
 */
export interface CheckpointFileSystem {
  /** The whole file as UTF-8, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Atomic replace: write a hidden temp file, fsync it, rename it into place, fsync the directory. */
  writeAtomic(path: string, data: string): Promise<void>;
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
