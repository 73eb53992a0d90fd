import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGroupCrash } from "./group-crash.js";
import type { Broker } from "./mock-broker.js";
import { startBroker } from "./mock-broker.js";

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker.stop();
});

describe.skipIf(process.env.SKP_SKIP_MULTIPROCESS === "1")("crash harness: a stateful query over two processes in one group", () => {
  it("kill -9 either process at random moments, 10 times: every window once, whole, none lost", async () => {
    const r = await runGroupCrash(broker, { kills: 10, log: (s) => process.env.SKP_DEBUG && process.stderr.write(`${s}\n`) });
    expect(r.kills).toBe(10);
    expect(r.windows).toBeGreaterThan(200);
    expect({ duplicates: r.duplicates, missing: r.missing, wrong: r.wrong, emitted: r.emitted }).toEqual({
      duplicates: 0,
      missing: 0,
      wrong: 0,
      emitted: r.windows,
    });
  }, 600_000);
});
