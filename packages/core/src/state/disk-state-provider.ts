import type { CheckpointFileSystem } from "../checkpoint/file-system.js";
import { errorMessage, errors } from "../errors.js";
import type { LmdbDatabase } from "./disk-state-store.js";
import { DiskStateStore } from "./disk-state-store.js";
import type { StateStore, StateStoreProvider } from "./state-store.js";

interface LmdbRoot extends LmdbDatabase {
  openDB(name: string): LmdbDatabase;
  sync(callback: (error?: unknown) => void): void;
  close(): Promise<void>;
}

/**
 * Opens disk stores (`.option("stateStore", "disk")`) in LMDB, through the `lmdb` package (an optional
 * peer dependency, loaded only here): one environment per operator, under `<checkpoint>/state/<op>/lmdb`
 * — or, without a checkpoint, under a temporary directory removed when the query stops.
 *
 * LMDB over RocksDB or LevelDB bindings: its reads are synchronous memory-map lookups (the operators
 * read state row by row, synchronously), its prebuilt binaries cover Linux, macOS and Windows, and a
 * whole batch commits as one transaction.
 */
export class DiskStateStoreProvider implements StateStoreProvider {
  constructor(
    /** The checkpoint's file system and state directory, or undefined for a query without one. */
    private readonly checkpoint: { fs: CheckpointFileSystem; root: string } | undefined,
  ) {}

  async open<V>(operatorId: number, version: number): Promise<StateStore<V>> {
    const lmdb = await loadLmdb();
    const node = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = this.checkpoint
      ? join(this.checkpoint.root, String(operatorId))
      : await node.mkdtemp(join(tmpdir(), `skp-state-${operatorId}-`));
    const path = join(dir, "lmdb");
    await node.mkdir(path, { recursive: true });
    const root = lmdb.open({ path, noSync: true, maxDbs: 4, cache: false }) as LmdbRoot;
    const env = {
      sync: () => new Promise<void>((resolve, reject) => root.sync((e) => (e ? reject(e) : resolve()))),
      close: async () => {
        await root.close();
        if (!this.checkpoint) await node.rm(dir, { recursive: true, force: true });
      },
    };
    const fs = this.checkpoint?.fs;
    const store = new DiskStateStore<V>(root.openDB("data"), root.openDB("meta"), fs, dir, version, env);
    try {
      return await store.load(version);
    } catch (e) {
      await env.close().catch(() => {});
      throw e;
    }
  }
}

async function loadLmdb(): Promise<{ open(options: Record<string, unknown>): unknown }> {
  try {
    return await import("lmdb");
  } catch (e) {
    throw errors.badOption(
      "stateStore",
      "disk",
      `"memory", or install the optional LMDB binding the disk store uses: npm install lmdb (${errorMessage(e)})`,
    );
  }
}
