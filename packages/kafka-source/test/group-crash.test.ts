import { describe, expect, it } from "vitest";
import { kafkaFixture } from "./fixtures.js";
import { runGroupCrash } from "./group-crash.js";

const kafka = kafkaFixture("skp-gcrash-test");

describe.skipIf(process.env.SKP_SKIP_MULTIPROCESS === "1")("crash harness: a stateful query over two processes in one group", () => {
  it("kill -9 either process at random moments, 10 times, rows repartitioned: every window once, whole, none lost", async () => {
    const r = await runGroupCrash(kafka.broker, { kills: 10, log: (s) => process.env.SKP_DEBUG && process.stderr.write(`${s}\n`) });
    expect(r.kills).toBe(10);
    expect(r.windows).toBeGreaterThan(200);
    // [duplicated, missing, with a wrong count or sum, emitted beyond the input's windows]
    expect([r.duplicates, r.missing, r.wrong, r.emitted - r.windows]).toEqual([0, 0, 0, 0]);
  }, 600_000);
});
