import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ClaimMetadata } from "../src/claims.js";
import { claimState, decodeClaim, encodeClaim, MAX_HANDOFFS, nextClaim } from "../src/claims.js";

describe("claim metadata", () => {
  it("round-trips, and ignores metadata skp did not write", () => {
    const m = { id: "abc", handoffs: ["x", "y"] };
    expect(decodeClaim(encodeClaim(m))).toEqual(m);
    expect(decodeClaim(encodeClaim({ id: "a", handoffs: [] }))).toEqual({ id: "a", handoffs: [] });
    for (const other of [null, undefined, "", "some-app-metadata", "skp1;"]) expect(decodeClaim(other)).toBeUndefined();
    const full = { id: "0123456789abcdef", handoffs: Array.from({ length: MAX_HANDOFFS }, () => "0123456789abcdef") };
    expect(encodeClaim(full).length).toBeLessThan(4096); // Kafka's default offset.metadata.max.bytes
  });

  it("a claim continuing its own tenure keeps the handoffs; any other records the claim it follows", () => {
    const current = { id: "p", handoffs: ["h1"] };
    expect(nextClaim("n", current, true)).toEqual({ id: "n", handoffs: ["h1"] });
    expect(nextClaim("n", current, false)).toEqual({ id: "n", handoffs: ["p", "h1"] });
    expect(nextClaim("n", undefined, false)).toEqual({ id: "n", handoffs: [] });
    const long = { id: "p", handoffs: Array.from({ length: MAX_HANDOFFS }, (_, i) => `h${i}`) };
    expect(nextClaim("n", long, false).handoffs).toHaveLength(MAX_HANDOFFS);
  });

  it("a process resolving its claim after a restart gets it right whatever others claimed since", () => {
    // One partition's history: a prior claim (ours, someone else's, or none), our claim X that landed or
    // not, then tenures of other owners. Every tenure after ours starts with a rebalance, so its first
    // claim records a handoff; claims within a tenure do not.
    fc.assert(
      fc.property(
        fc.constantFrom("ours", "other", "none"),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 40 }),
        (priorKind, landed, tenures) => {
          let n = 0;
          const id = () => `c${n++}`;
          let current: ClaimMetadata | undefined = priorKind === "none" ? undefined : { id: id(), handoffs: [] };
          const prior = current?.id ?? null;
          const ours = id();
          if (landed) current = nextClaim(ours, current, priorKind === "ours");
          for (const claims of tenures) {
            for (let k = 0; k < claims; k++) current = nextClaim(id(), current, k > 0);
          }
          const state = claimState(ours, prior, current);
          if (tenures.length < MAX_HANDOFFS) expect(state).toBe(landed ? "landed" : "not landed");
          else expect(state).toBeOneOf([landed ? "landed" : "not landed", "unknown"]);
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
