/**
 * The crash harness for a stateful query scaled out over two processes: both run the seed's windowed
 * aggregation in one group over a pre-filled topic; one of them, at random, is killed with SIGKILL at a
 * random moment and restarted from its checkpoint, again and again, while the other keeps going (and
 * the group moves partitions, and their state, between them). At the end every window of the input
 * must have been emitted exactly once in the union of both outputs, with the count and sum of all its
 * rows: no window lost, none twice, none split in parts.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { windowEntry, windowSums } from "../../core/test/window-sums.js";
import type { Proc } from "./group-processes.js";
import { sleep, start, stop, until } from "./group-processes.js";
import type { Broker } from "./mock-broker.js";

const CHILD = fileURLToPath(new URL("./stateful-child.ts", import.meta.url));
const PARTITIONS = 3;
const IDS = 12;

export interface GroupCrashResult {
  kills: number;
  windows: number;
  emitted: number;
  duplicates: number;
  missing: number;
  wrong: number;
  seconds: number;
}

type Window = { window: { start: number }; id: number; n: number; total: number };

function emitted(p: Proc): Window[] {
  const dir = join(p.dir, "out");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.startsWith("batch-"))
    .flatMap((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Window[])
    .filter((w) => w.id < IDS);
}

export async function runGroupCrash(
  broker: Broker,
  options: { kills: number; seconds?: number; log?: (s: string) => void; coPartitioned?: boolean },
): Promise<GroupCrashResult> {
  const { kills, seconds = 240, log = () => {}, coPartitioned = false } = options;
  const t0 = Date.now();
  const topic = `gcrash-${Date.now()}`,
    groupId = `gcg-${Date.now()}`;
  await broker.createTopic(topic, PARTITIONS);
  // Event time advances one second per step for every id. Co-partitioned: messages keyed by id;
  // otherwise each id's events rotate over the partitions (the processes repartition them).
  const events: { id: number; ts: number; value: number }[] = [];
  const producer = broker.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let clock = 0;
  /** Produces the next `n` seconds of events, so data keeps flowing between the kills. */
  const produce = async (n: number) => {
    const messages: { key?: string; partition?: number; value: string }[] = [];
    for (const end = Math.min(seconds, clock + n); clock < end; clock++) {
      for (let id = 0; id < IDS; id++) {
        const e = { id, ts: clock * 1_000 + id, value: clock + id };
        const value = JSON.stringify(e);
        messages.push(coPartitioned ? { key: String(id), value } : { partition: (clock + id) % PARTITIONS, value });
        events.push(e);
      }
    }
    if (messages.length > 0) await producer.send({ topic, messages });
  };
  const step = Math.ceil(seconds / (kills + 1));

  const root = mkdtempSync(join(tmpdir(), "skp-gcrash-"));
  const procs: Proc[] = [
    { name: "A", dir: join(root, "a"), stderr: "", env: coPartitioned ? { SKP_CO_PARTITIONED: "1" } : {} },
    { name: "B", dir: join(root, "b"), stderr: "", env: coPartitioned ? { SKP_CO_PARTITIONED: "1" } : {} },
  ];
  let seed = 4_242;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  let killed = 0;
  let want = new Map<string, string>();
  try {
    await produce(step);
    for (const p of procs) await start(broker, CHILD, p, topic, groupId);
    while (killed < kills) {
      await produce(step);
      await sleep(200 + Math.floor(rand() * 1_500));
      const victim = procs[Math.floor(rand() * procs.length)] as Proc;
      await stop(victim, "SIGKILL");
      killed++;
      if (killed % 10 === 0) log(`${killed} kills, ${procs.reduce((n, p) => n + emitted(p).length, 0)} windows emitted`);
      await sleep(Math.floor(rand() * 500));
      await start(broker, CHILD, victim, topic, groupId);
    }
    await produce(seconds);
    // Far-future events on every partition close every window above.
    for (let p = 0; p < PARTITIONS; p++) {
      await producer.send({
        topic,
        messages: [{ partition: p, key: "99", value: JSON.stringify({ id: 99, ts: 3_600_000_000, value: 0 }) }],
      });
    }
    want = windowSums(events);
    const all = () => procs.flatMap(emitted);
    await until(broker, "every window to be emitted", () => all().length >= want.size, 180_000).catch((e) => {
      throw new Error(
        `${e.message} (${all().length} of ${want.size}); ${procs.map((p) => `${p.name}: ${p.stderr.slice(-1500)}`).join(" ")}`,
      );
    });
    await sleep(1_000); // a duplicate would show up now
  } finally {
    await producer.disconnect();
    for (const p of procs) if (p.child) await stop(p, "SIGTERM");
  }
  const windows = procs.flatMap(emitted);
  rmSync(root, { recursive: true, force: true });
  const seen = new Map<string, string[]>();
  for (const [k, v] of windows.map(windowEntry)) seen.set(k, [...(seen.get(k) ?? []), v]);
  let duplicates = 0,
    missing = 0,
    wrong = 0;
  for (const [k, v] of want) {
    const got = seen.get(k) ?? [];
    if (got.length === 0) missing++;
    if (got.length > 1) duplicates += got.length - 1;
    if (got.length > 0 && got.some((g) => g !== v)) wrong++;
  }
  return { kills: killed, windows: want.size, emitted: windows.length, duplicates, missing, wrong, seconds: (Date.now() - t0) / 1000 };
}
