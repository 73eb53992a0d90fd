import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AppendFile, CheckpointFileSystem } from "../src/checkpoint/file-system.js";
import { Journal } from "../src/checkpoint/journal.js";
import { decodeSegment, encodeRecord, type JournalRecord } from "../src/checkpoint/journal-format.js";
import { MemoryStream, memorySink } from "../src/index.js";
import { eventSchema, SCENARIO, tempDir, windowedSums } from "./checkpoint-helpers.js";

type Out = { window: { start: number; end: number }; id: number; n: number; total: number };

async function run(dir: string, input: MemoryStream<typeof eventSchema>, batches: (typeof SCENARIO)[number][], sink = memorySink<Out>()) {
  const q = await windowedSums(input).writeStream.format(sink).option("checkpointLocation", dir).start();
  for (const batch of batches) {
    input.addData(batch);
    await q.processAllAvailable();
  }
  await q.stop();
  return sink;
}

const segments = (dir: string) => readdirSync(join(dir, "wal")).filter((n) => n.endsWith(".log"));
const lastRows = (sink: ReturnType<typeof memorySink<Out>>) => sink.batches.flatMap((b) => b.rows);

describe("checkpoint journal", () => {
  it("keeps offsets, commits and state deltas in wal/ and copies each log entry to its own file", async () => {
    const dir = tempDir();
    await run(dir, new MemoryStream(eventSchema, { name: "events" }), SCENARIO.slice(0, 3));
    expect(segments(dir).length).toBeGreaterThan(0);
    const records = segments(dir).flatMap((s) => decodeSegment(readFileSync(join(dir, "wal", s))).records);
    const paths = records.map((r) => r.path);
    expect(paths).toEqual(expect.arrayContaining(["offsets/0", "commits/0", "offsets/2", "commits/2"]));
    expect(paths.some((p) => /^state\/\d+\/1\.delta$/.test(p))).toBe(true);
    for (const r of records) {
      if (r.path.startsWith("state/"))
        expect(existsSync(join(dir, r.path))).toBe(false); // the stores' own
      else expect(readFileSync(join(dir, r.path), "utf8")).toBe(r.text);
    }
  });

  it("runs a batch's sink only once its offsets entry is on disk in the journal", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const seen: boolean[] = [];
    const journaled = (batchId: number) =>
      segments(dir).some((s) => decodeSegment(readFileSync(join(dir, "wal", s))).records.some((r) => r.path === `offsets/${batchId}`));
    const q = await windowedSums(input)
      .writeStream.foreachBatch((_rows, batchId) => void seen.push(journaled(batchId)))
      .option("checkpointLocation", dir)
      .start();
    for (const batch of SCENARIO) {
      input.addData(batch);
      await q.processAllAvailable();
    }
    await q.stop();
    expect(seen.length).toBeGreaterThanOrEqual(SCENARIO.length);
    expect(seen.every(Boolean)).toBe(true);
  });

  it("rewrites a copy a crash left missing or damaged from the journal", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const expected = lastRows(await run(tempDir(), new MemoryStream(eventSchema, { name: "events" }), SCENARIO));
    const first = await run(dir, input, SCENARIO.slice(0, 4));
    const commit = readFileSync(join(dir, "commits", "3"), "utf8");
    rmSync(join(dir, "offsets", "3"));
    writeFileSync(join(dir, "commits", "3"), "");
    const rest = await run(dir, input, SCENARIO.slice(4));
    expect(readFileSync(join(dir, "commits", "3"), "utf8")).toBe(commit);
    expect(existsSync(join(dir, "offsets", "3"))).toBe(true);
    expect([...lastRows(first), ...lastRows(rest)]).toEqual(expected);
  });

  it("drops a torn tail (a write cut short) and re-runs the batch it would have committed", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const expected = await run(tempDir(), new MemoryStream(eventSchema, { name: "events" }), SCENARIO);
    const first = await run(dir, input, SCENARIO.slice(0, 4));
    // The last record is the newest commit: cut it in half, and its copy with it (it is written after).
    const last = segments(dir).sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10))[0]!;
    const bytes = readFileSync(join(dir, "wal", last));
    const decoded = decodeSegment(bytes);
    const tail = decoded.records.at(-1)!;
    expect(tail.path).toMatch(/^commits\/\d+$/);
    truncateSync(join(dir, "wal", last), decoded.validBytes - 5); // (the zeros after it are preallocated)
    rmSync(join(dir, tail.path));
    const rest = await run(dir, input, SCENARIO.slice(4));
    // The uncommitted batch runs again (a sink that was not idempotent would see it twice) …
    const rerun = Number(tail.path.split("/")[1]);
    expect(rest.batches[0]!.batchId).toBe(rerun);
    // … and from then on the output is exactly the uninterrupted run's.
    const byBatch = new Map([...first.batches, ...rest.batches].map((b) => [b.batchId, b.rows]));
    expect(expected.batches.map((b) => byBatch.get(b.batchId))).toEqual(expected.batches.map((b) => b.rows));
  });

  it("refuses an older segment that is damaged, naming it", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    await run(dir, input, SCENARIO.slice(0, 3));
    await run(dir, input, SCENARIO.slice(3, 5)); // a second run appends to a second segment
    expect(segments(dir).length).toBeGreaterThanOrEqual(2);
    const file = join(dir, "wal", "0.log");
    const bytes = readFileSync(file);
    bytes[12] = bytes[12]! ^ 0xff; // inside the first record's payload
    writeFileSync(file, bytes);
    await expect(windowedSums(input).writeStream.format(memorySink()).option("checkpointLocation", dir).start()).rejects.toThrow(
      /wal\/0\.log cannot be read: damaged record at byte 0, and newer segments follow/,
    );
  });

  it("cuts the newest segment at a damaged record: a write cut short, with a later write whole after it", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const expected = await run(tempDir(), new MemoryStream(eventSchema, { name: "events" }), SCENARIO);
    const first = await run(dir, input, SCENARIO.slice(0, 4));
    const last = segments(dir).sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10))[0]!;
    const file = join(dir, "wal", last);
    const bytes = readFileSync(file);
    const records = decodeSegment(bytes).records;
    // Zero the bytes of the third-to-last record (as if its write never ran) and keep the two after it.
    const frames = records.map((r) => encodeRecord(r).length);
    const cut = frames.slice(0, -3).reduce((a, b) => a + b, 0);
    bytes.fill(0, cut, cut + frames.at(-3)!);
    writeFileSync(file, bytes);
    for (const r of records.slice(-3)) rmSync(join(dir, r.path), { force: true }); // their copies come after them
    const rest = await run(dir, input, SCENARIO.slice(4));
    const byBatch = new Map([...first.batches, ...rest.batches].map((b) => [b.batchId, b.rows]));
    expect(expected.batches.map((b) => byBatch.get(b.batchId))).toEqual(expected.batches.map((b) => b.rows));
  });
});

const record = fc.record({ path: fc.stringMatching(/^[a-z]{1,8}\/\d{1,4}$/), text: fc.string({ maxLength: 200, unit: "grapheme" }) });

describe("journal frames", () => {
  it("a segment cut at any byte decodes to a prefix of what was appended, never to a wrong record", () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), fc.nat(), (records, cutAt) => {
        const frames = records.map(encodeRecord);
        const all = Buffer.concat(frames);
        const cut = cutAt % (all.length + 1);
        const decoded = decodeSegment(all.subarray(0, cut));
        expect(decoded.corruptAt).toBeUndefined();
        expect(decoded.records).toEqual(records.slice(0, decoded.records.length));
        const whole = { bytes: 0, count: 0 };
        for (const f of frames) {
          if (whole.bytes + f.length > cut) break;
          whole.bytes += f.length;
          whole.count++;
        }
        expect(decoded.records.length).toBe(whole.count);
        expect(decoded.validBytes).toBe(whole.bytes);
      }),
    );
  });
});

/** A file system in memory that counts durable writes and can hold them, to watch the group commit. */
function countingFs() {
  const files = new Map<string, Uint8Array>();
  let syncs = 0;
  let gate: Promise<void> = Promise.resolve();
  const fs: CheckpointFileSystem = {
    read: async (p) => (files.has(p) ? new TextDecoder().decode(files.get(p)) : undefined),
    readBytes: async (p) => files.get(p),
    readRange: async (p, at, length) => files.get(p)?.subarray(at, at + length),
    writeAtomic: async (p, d) => void files.set(p, new TextEncoder().encode(d)),
    list: async (dir) => [...files.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1)),
    remove: async (p) => void files.delete(p),
    mkdirs: async () => {},
    lock: async () => async () => {},
    join: (...parts) => parts.join("/"),
    openAppend: async (p): Promise<AppendFile> => {
      files.set(p, files.get(p) ?? new Uint8Array());
      return {
        write: async (d) => {
          await gate; // a durable write (O_DSYNC) takes a while
          syncs++;
          files.set(p, Buffer.concat([files.get(p)!, d]));
        },
        sync: async () => {},
        truncate: async (n) => void files.set(p, files.get(p)!.subarray(0, n)),
        close: async () => {},
      };
    },
  };
  return {
    fs,
    files,
    syncs: () => syncs,
    hold() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return release;
    },
  };
}

describe("journal group commit", () => {
  it("writes nothing on append, and what is appended while a write runs with the next single write", async () => {
    const env = countingFs();
    const journal = await Journal.open(env.fs, "/chk");
    const release = env.hold();
    journal.append({ path: "offsets/0", text: "a" });
    journal.append({ path: "commits/x", text: "appended, not written" });
    expect(env.syncs()).toBe(0);
    const first = journal.sync();
    await new Promise((r) => setTimeout(r, 5)); // the first group is now waiting in its durable write
    const later: JournalRecord[] = Array.from({ length: 50 }, (_, i) => ({ path: `commits/${i}`, text: String(i) }));
    for (const r of later) journal.append(r);
    let secondDone = false;
    const second = journal.sync().then(() => (secondDone = true));
    expect(secondDone).toBe(false);
    release();
    await Promise.all([first, second]);
    expect(env.syncs()).toBe(2);
    await journal.close();
    const reopened = await Journal.open(env.fs, "/chk");
    expect(await reopened.read("commits/49")).toBe("49");
    expect(await reopened.read("offsets/0")).toBe("a");
  });

  it("keeps a large entry out of memory and reads it back from its segment, also after a restart", async () => {
    const env = countingFs();
    const journal = await Journal.open(env.fs, "/chk");
    const big = "x".repeat(100_000);
    journal.append({ path: "offsets/0", text: "small" });
    journal.append({ path: "state/1/1.delta", text: big });
    journal.append({ path: "commits/0", text: "after" });
    await journal.sync();
    expect((journal as unknown as { index: Map<string, { text?: string }> }).index.get("state/1/1.delta")!.text).toBeUndefined();
    expect(await journal.read("state/1/1.delta")).toBe(big);
    await journal.close();
    const reopened = await Journal.open(env.fs, "/chk");
    expect(await reopened.read("state/1/1.delta")).toBe(big);
    expect(await reopened.read("commits/0")).toBe("after");
  });

  it("deletes a closed segment once none of its records is live", async () => {
    const env = countingFs();
    const journal = await Journal.open(env.fs, "/chk");
    for (let i = 0; i < 600; i++) {
      journal.append({ path: `offsets/${i}`, text: String(i) });
      await journal.sync();
    }
    expect(env.files.has("/chk/wal/0.log")).toBe(true);
    for (let i = 0; i < 512; i++) journal.remove(`offsets/${i}`);
    await journal.close();
    expect(env.files.has("/chk/wal/0.log")).toBe(false);
    const reopened = await Journal.open(env.fs, "/chk");
    expect(await reopened.read("offsets/511")).toBeUndefined();
    expect(await reopened.read("offsets/599")).toBe("599");
  });
});

describe("journal writes in flight", () => {
  it("acknowledges a write only when every earlier one finished, and reads a hole left by a crash as the end", async () => {
    const bytes = new Uint8Array(1 << 16); // a preallocated segment
    const gates: (() => void)[] = [];
    const fs: CheckpointFileSystem = {
      ...countingFs().fs,
      openAppend: async (): Promise<AppendFile> => {
        let position = 0;
        return {
          write: async (d) => {
            const at = position;
            position += d.length;
            await new Promise<void>((r) => gates.push(r));
            bytes.set(d, at);
          },
          sync: async () => {},
          truncate: async () => {},
          close: async () => {},
        };
      },
    };
    const journal = await Journal.open(fs, "/chk");
    journal.append({ path: "offsets/0", text: "first" });
    let firstDone = false;
    const first = journal.sync().then(() => (firstDone = true));
    journal.append({ path: "offsets/1", text: "second" });
    let secondDone = false;
    const second = journal.sync().then(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(gates).toHaveLength(2); // both writes run at once
    gates[1]!(); // the later one finishes first
    await new Promise((r) => setTimeout(r, 5));
    expect([firstDone, secondDone]).toEqual([false, false]);
    // A crash now leaves the second record on disk after a hole where the first should be.
    const decoded = decodeSegment(bytes);
    expect(decoded.records).toEqual([]);
    expect(decoded.corruptAt).toBeUndefined();
    gates[0]!();
    await Promise.all([first, second]);
    expect(decodeSegment(bytes).records.map((r) => r.text)).toEqual(["first", "second"]);
  });
});
