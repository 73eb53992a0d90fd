import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { windowEntry, windowSums } from "../../core/test/window-sums.js";
import { kafkaFixture } from "./fixtures.js";
import type { Proc } from "./group-processes.js";
import { sleep, start, stop, until } from "./group-processes.js";

const kafka = kafkaFixture("skp-stateful-scale");

const CHILD = fileURLToPath(new URL("./stateful-child.ts", import.meta.url));
const PARTITIONS = 3;
const IDS = 12;
type Event = { id: number; ts: number; value: number };
type Window = { window: { start: number; end: number }; id: number; n: number; total: number };

/** Every window a process emitted (append mode: each should appear once in the union of all processes). */
function emitted(p: Proc): Window[] {
  const dir = join(p.dir, "out");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.startsWith("batch-"))
    .flatMap((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Window[]);
}

describe.skipIf(process.env.SKP_SKIP_MULTIPROCESS === "1")(
  "stateful scale-out: a windowed aggregation over processes sharing a groupId",
  () => {
    it.each([
      ["keyed by the grouping column, declared co-partitioned", true],
      ["keyed by something else, repartitioned by the grouping column", false],
    ])(
      "%s: joins, a clean leave, kill -9 and rejoin, windows open at every move: the union is one run",
      async (_, keyed) => {
        const topic = `sso-${Date.now()}`,
          groupId = `ssg-${Date.now()}`;
        const env: Record<string, string> = keyed ? { SKP_CO_PARTITIONED: "1" } : {};
        await kafka.broker.createTopic(topic, PARTITIONS);
        const events: Event[] = [];
        let clock = 0;
        const producer = kafka.broker.kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
        // Keyed by the grouping column: each id's events go to one partition, in time order. Otherwise
        // rotating over the partitions each second: every id's events in every partition.
        const produce = async (seconds: number) => {
          const batch: Event[] = [];
          for (let s = 0; s < seconds; s++, clock += 1_000)
            for (let id = 0; id < IDS; id++) batch.push({ id, ts: clock + id * 10, value: clock / 1_000 + id });
          const at = events.length;
          events.push(...batch);
          const message = (e: Event, i: number) =>
            keyed
              ? { key: String(e.id), value: JSON.stringify(e) }
              : { partition: (at + i + Math.floor((at + i) / IDS)) % PARTITIONS, value: JSON.stringify(e) };
          await producer.send({ topic, messages: batch.map(message) });
        };
        const a: Proc = { name: "A", dir: join(kafka.root, `a-${keyed}`), stderr: "", env },
          b: Proc = { name: "B", dir: join(kafka.root, `b-${keyed}`), stderr: "", env };
        const windows = () => [...emitted(a), ...emitted(b)];
        const closed = () => windows().filter((w) => w.id < IDS).length;
        const log = (stage: string) => {
          if (process.env.SKP_DEBUG)
            process.stderr.write(`${stage} ${JSON.stringify({ clock, a: emitted(a).length, b: emitted(b).length })}\n`);
        };
        try {
          await produce(40);
          await start(kafka.broker, CHILD, a, topic, groupId);
          await until(kafka.broker, "A to emit windows", () => emitted(a).length > 0);
          log("A started");
          await start(kafka.broker, CHILD, b, topic, groupId);
          for (let i = 0; i < 4; i++) {
            await produce(8);
            await sleep(400);
          }
          await until(kafka.broker, "B to emit windows", () => emitted(b).length > 0);
          log("B joined");
          // A crashes with windows open; data keeps coming; A comes back.
          await stop(a, "SIGKILL");
          await produce(15);
          await sleep(1_000);
          await start(kafka.broker, CHILD, a, topic, groupId);
          log("A restarted");
          await produce(15);
          await sleep(1_500);
          // B leaves cleanly with windows open; A takes over its partitions and their state.
          await stop(b, "SIGTERM");
          log("B stopped");
          await produce(15);
          await sleep(1_500);
          // B rejoins.
          await start(kafka.broker, CHILD, b, topic, groupId);
          log("B rejoined");
          await produce(20);
          // Far-future events on every partition (id 99) close every window above.
          for (let p = 0; p < PARTITIONS; p++) {
            await producer.send({
              topic,
              messages: [{ partition: p, key: "99", value: JSON.stringify({ id: 99, ts: clock + 3_600_000, value: 0 }) }],
            });
          }
          const want = windowSums(events);
          await until(kafka.broker, "every window to be emitted", () => closed() >= want.size, 120_000).catch((e) => {
            log("timeout");
            throw new Error(`${e.message} (${closed()} of ${want.size}); A: ${a.stderr.slice(-2000)} B: ${b.stderr.slice(-2000)}`);
          });
          await sleep(1_000); // a duplicate would show up now
        } finally {
          await producer.disconnect();
          if (a.child) await stop(a, "SIGTERM");
          if (b.child) await stop(b, "SIGTERM");
          if (process.env.SKP_DEBUG) for (const p of [a, b]) writeFileSync(join(tmpdir(), `skp-sso-${p.name}.log`), p.stderr);
        }
        const union = windows().filter((w) => w.id < IDS);
        const got = new Map(union.map(windowEntry));
        // Each window exactly once, with the count and sum of all its rows.
        expect(union.length).toBe(got.size);
        expect(got).toEqual(windowSums(events));
        // Both processes emitted windows.
        expect(emitted(a).length).toBeGreaterThan(0);
        expect(emitted(b).length).toBeGreaterThan(0);
      },
      400_000,
    );
  },
);
