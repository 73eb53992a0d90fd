import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIsoUtc } from "../src/schema/iso-timestamp.js";

const pad = (v: number, width: number) => String(v).padStart(width, "0");
/** Timestamps in the canonical shape with fields in and out of range, and odd fractions and endings. */
const isoLike = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.integer({ min: 0, max: 61 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{0,10}$/)),
    zone: fc.constantFrom("Z", "", "z", "+00:00", "+02:00", " ", "ZZ"),
  })
  .map(
    ({ year, month, day, hour, minute, second, fraction, zone }) =>
      `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction === null ? "" : `.${fraction}`}${zone}`,
  );

describe("parseIsoUtc", () => {
  it("agrees with Date.parse (as UTC) on every string it accepts, and accepts what toISOString writes", () => {
    fc.assert(
      fc.property(isoLike, (s) => {
        const ours = parseIsoUtc(s);
        if (ours === undefined) return;
        const reference = Date.parse(s.endsWith("Z") ? s : `${s}Z`);
        expect(ours).toBe(reference);
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(parseIsoUtc(new Date(ms).toISOString())).toBe(ms);
      }),
      { numRuns: 20_000 },
    );
  });

  it("leaves every other shape to Date.parse", () => {
    for (const s of [
      "2025-01-01",
      "2025-01-01T10:00Z",
      "2025-01-01T10:00:00+02:00",
      "2025-01-01 10:00:00Z",
      "+002025-01-01T00:00:00Z",
      "2025-01-01T10:00:00.Z",
      "2025-01-01T10:00:00.1234567890Z",
      "2025-13-01T00:00:00Z",
      "2025-01-01T24:00:00Z",
      "garbage-and-more-text",
      "",
    ]) {
      expect(parseIsoUtc(s)).toBeUndefined();
    }
  });
});
