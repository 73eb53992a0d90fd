import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, memorySink, readStream, sum, window } from "../src/index.js";
import type { Ev } from "./sharded-world.js";
import { runSchedule, shardedSource, World } from "./sharded-world.js";
import { windowEntry, windowSums } from "./window-sums.js";

const P = 3;
const R = 4;
const PROCESSES = 3;
type Out = { window: { start: number; end: number }; id: number; n: number; total: number | null };

/** Per input partition, events in time order with jitter under the watermark delay; every id in every partition. */
const partitionsArb = fc.array(
  fc.array(
    fc.record({
      step: fc.integer({ min: 0, max: 2_500 }),
      jitter: fc.integer({ min: 0, max: 4_000 }),
      id: fc.nat(5),
      v: fc.integer({ min: -50, max: 50 }),
    }),
    { maxLength: 40 },
  ),
  { minLength: P, maxLength: P },
);

/** A schedule: run a process, or hand an input or an exchange partition to another process. */
const stepArb = fc.oneof(
  fc.record({ kind: fc.constant("run" as const), proc: fc.nat(PROCESSES - 1) }),
  fc.record({ kind: fc.constant("move" as const), p: fc.nat(P - 1), to: fc.nat(PROCESSES - 1) }),
  fc.record({ kind: fc.constant("moveExchange" as const), p: fc.nat(R - 1), to: fc.nat(PROCESSES - 1) }),
);

describe("repartitioned state: rows not keyed by their group, over processes sharing partitions", () => {
  it("for any data, schedule, batch sizes and replayed writes, every window once, whole", async () => {
    await fc.assert(
      fc.asyncProperty(
        partitionsArb,
        fc.array(stepArb, { maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
        async (raw, steps, perBatch, perExchangeBatch, replays) => {
          const partitions: Ev[][] = raw.map((xs, p) => {
            let t = 20_000;
            return xs.map(({ step, jitter, id, v }) => {
              t += step;
              return { p, id, ts: t + jitter, value: v };
            });
          });
          const data = partitions.flat();
          // Far-future rows on every input partition (id -1) close every window above.
          for (const [p, rows] of partitions.entries()) rows.push({ p, id: -1, ts: 10_000_000, value: 0 });
          const world = new World(partitions);
          const exchangeWorld = new World(Array.from({ length: R }, () => []));
          let writes = 0;
          const replay = () => replays[writes++ % replays.length] === true;
          const exchange = { world: exchangeWorld, replay, maxPerBatch: perExchangeBatch };
          const sinks = Array.from({ length: PROCESSES }, () => memorySink<Out>());
          const queries = await Promise.all(
            sinks.map((sink, me) =>
              readStream(shardedSource(world, me, perBatch, exchange))
                .withWatermark("ts", "5 seconds")
                .groupBy(window("ts", "10 seconds"), "id")
                .agg(count().as("n"), sum("value").as("total"))
                .writeStream.outputMode("append")
                .format(sink)
                .start(),
            ),
          );
          const union = await runSchedule(queries, sinks, steps, { input: world, exchange: exchangeWorld });
          const got = new Map(union.map(windowEntry));
          expect(union.length).toBe(got.size);
          expect(got).toEqual(windowSums(data));
        },
      ),
      { numRuns: 150 },
    );
  });
});
