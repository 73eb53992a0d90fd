import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Proc } from "./group-processes.js";
import { sleep, start, stop, until } from "./group-processes.js";
import type { Broker } from "./mock-broker.js";
import { produceEvents, startBroker } from "./mock-broker.js";

let broker: Broker;
let root: string;
beforeAll(async () => {
  broker = await startBroker();
  root = mkdtempSync(join(tmpdir(), "skp-scale-"));
});
afterAll(async () => {
  await broker.stop();
  rmSync(root, { recursive: true, force: true });
});

const CHILD = fileURLToPath(new URL("./group-child.ts", import.meta.url));

/** Every row a process committed: `partition:offset` → id. */
function output(p: Proc): { keys: string[]; ids: Map<string, number> } {
  const dir = join(p.dir, "out"),
    keys: string[] = [],
    ids = new Map<string, number>();
  if (!existsSync(dir)) return { keys, ids };
  for (const f of readdirSync(dir).filter((n) => n.startsWith("batch-"))) {
    for (const r of JSON.parse(readFileSync(join(dir, f), "utf8")) as { partition: number; offset: number; id: number }[]) {
      keys.push(`${r.partition}:${r.offset}`);
      ids.set(`${r.partition}:${r.offset}`, r.id);
    }
  }
  return { keys, ids };
}

describe.skipIf(process.env.SKP_SKIP_MULTIPROCESS === "1")("scale-out: processes sharing a groupId", () => {
  it("split the partitions and hand them over on rebalance (join, clean stop, kill -9): every row exactly once", async () => {
    const topic = `scale-${Date.now()}`,
      groupId = `g-${Date.now()}`;
    await broker.createTopic(topic, 3);
    let produced = 0;
    const produce = async (n: number) => {
      await produceEvents(
        broker.kafka,
        topic,
        Array.from({ length: n }, (_, k) => ({ id: (produced + k) % 12, ts: produced + k, value: 1 })),
      );
      produced += n;
    };
    const a: Proc = { name: "A", dir: join(root, "a"), stderr: "" },
      b: Proc = { name: "B", dir: join(root, "b"), stderr: "" };
    const total = () => output(a).keys.length + output(b).keys.length;
    const log = (stage: string) => {
      if (process.env.SKP_DEBUG)
        process.stderr.write(`${stage} ${JSON.stringify({ produced, a: output(a).keys.length, b: output(b).keys.length })}\n`);
    };
    try {
      await produce(3_000);
      await start(broker, CHILD, a, topic, groupId);
      log("A started");
      await until(broker, "A to start processing", () => output(a).keys.length >= 300);
      // B joins: the group rebalances and the two split the partitions while data keeps coming.
      await start(broker, CHILD, b, topic, groupId);
      log("B started");
      for (let i = 0; i < 6; i++) {
        await produce(500);
        await sleep(300);
      }
      await until(broker, "B to get partitions", () => output(b).keys.length > 0);
      await until(broker, "the backlog to be processed", () => total() >= produced);
      log("split");
      // A stops cleanly: B takes over its partitions.
      await stop(a, "SIGTERM");
      await produce(2_000);
      await until(broker, "B to take over A's partitions", () => total() >= produced);
      log("A stopped");
      // A comes back; then B crashes mid-run and comes back.
      await start(broker, CHILD, a, topic, groupId);
      log("A restarted");
      await produce(1_000);
      await sleep(1_500);
      await stop(b, "SIGKILL");
      await produce(1_000);
      log("B killed");
      await start(broker, CHILD, b, topic, groupId);
      await until(broker, "every row to be processed", () => total() >= produced, 120_000).catch((e) => {
        log("timeout");
        throw new Error(`${e.message}; A: ${a.stderr.slice(-2000)} B: ${b.stderr.slice(-2000)}`);
      });
      await sleep(1_000); // anything extra (a duplicate) would show up now
    } finally {
      if (a.child) await stop(a, "SIGTERM");
      if (b.child) await stop(b, "SIGTERM");
      if (process.env.SKP_DEBUG) for (const p of [a, b]) writeFileSync(join(tmpdir(), `skp-scale-${p.name}.log`), p.stderr);
    }
    const outA = output(a),
      outB = output(b);
    const all = [...outA.keys, ...outB.keys];
    const counts = new Map<string, number>();
    for (const k of all) counts.set(k, (counts.get(k) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    expect({ rows: all.length, distinct: counts.size, duplicates }).toEqual({ rows: produced, distinct: produced, duplicates: 0 });
    // Both processes did a share of the work, from disjoint partitions at any one time.
    expect(outA.keys.length).toBeGreaterThan(0);
    expect(outB.keys.length).toBeGreaterThan(0);
    const ids = [...outA.ids.values(), ...outB.ids.values()];
    expect(ids.filter((id) => id === 0).length).toBe(Math.ceil(produced / 12));
  }, 400_000);
});
