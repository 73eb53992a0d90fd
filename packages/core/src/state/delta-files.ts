import type { CheckpointFileSystem } from "../checkpoint/file-system.js";
import { parseJsonLine, splitVersioned } from "../checkpoint/metadata-log.js";
import { errorMessage, errors } from "../errors.js";

/**
 * A state version's delta, `<v>.delta`: the keys one batch changed, as lines after a version line:
 * `["p","<key>",<value json>]` (put) or `["r","<key>"]` (removed).
 */
export function deltaText(keys: Iterable<string>, valueAt: (key: string) => unknown): string {
  const lines = ["v1"];
  for (const key of keys) {
    const value = valueAt(key);
    lines.push(value !== undefined ? JSON.stringify(["p", key, value]) : JSON.stringify(["r", key]));
  }
  return lines.join("\n");
}

/**
 * Applies the deltas of versions `from`+1 … `to` under `dir` through `put` and `remove`. A missing
 * delta or an unknown line is a corrupt checkpoint, naming the file.
 */
export async function replayDeltas(
  fs: CheckpointFileSystem,
  dir: string,
  from: number,
  to: number,
  put: (key: string, value: unknown) => void,
  remove: (key: string) => void,
): Promise<void> {
  for (let v = from + 1; v <= to; v++) {
    const file = fs.join(dir, `${v}.delta`);
    const text = await fs.read(file);
    if (text === undefined) throw errors.corruptCheckpoint(file, `missing: it is needed to rebuild state version ${to}`);
    for (const [op, key, value] of readLines(file, text)) {
      if (op === "p") put(key as string, value);
      else if (op === "r") remove(key as string);
      else throw errors.corruptCheckpoint(file, `unknown operation ${JSON.stringify(op)}`);
    }
  }
}

export function readLines(file: string, text: string | undefined): unknown[][] {
  if (text === undefined) throw errors.corruptCheckpoint(file, "missing");
  try {
    return splitVersioned(text, 1)
      .filter((l) => l !== "")
      .map((l) => {
        const entry = parseJsonLine(l, "state entry");
        if (!Array.isArray(entry)) throw new Error("state entry is not an array");
        return entry;
      });
  } catch (e) {
    throw errors.corruptCheckpoint(file, errorMessage(e));
  }
}

export async function listVersions(fs: CheckpointFileSystem, dir: string) {
  const out: { name: string; version: number; kind: "delta" | "snapshot" }[] = [];
  for (const name of await fs.list(dir)) {
    const m = /^(\d+)\.(delta|snapshot)$/.exec(name);
    if (m) out.push({ name, version: Number(m[1]), kind: m[2] as "delta" | "snapshot" });
  }
  return out;
}
