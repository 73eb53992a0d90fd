import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forEachWindowStart } from "../src/expr/window.js";
import { window } from "../src/index.js";

describe("window assignment (property 1)", () => {
  it("a timestamp falls in exactly the windows [start, end) that contain it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }), // slide
        fc.integer({ min: 1, max: 5 }), // size = slide * k + extra, so slide need not divide size
        fc.integer({ min: 0, max: 49 }),
        fc.nat(),
        fc.integer({ min: -10_000, max: 10_000 }),
        (slide, k, extra, startSeed, t) => {
          const size = slide * k + (extra % slide);
          const startTime = startSeed % slide;
          const spec = window("ts", size, slide, startTime);
          const got: number[] = [];
          forEachWindowStart(spec, t, (s) => got.push(s));
          // Brute force: every aligned start within reach.
          const expected: number[] = [];
          for (let s = startTime - 20 * slide * 1000; s <= t; s += slide) {
            if (s <= t && t < s + size) expected.push(s);
          }
          expect(got.sort((a, b) => a - b)).toEqual(expected.filter((s) => s > t - size - slide));
          expect(got.length).toBe(expected.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("tumbling windows put each timestamp in exactly one window, half-open at the end", () => {
    const spec = window("ts", "10 seconds");
    const starts = (t: number) => {
      const s: number[] = [];
      forEachWindowStart(spec, t, (x) => s.push(x));
      return s;
    };
    expect(starts(0)).toEqual([0]);
    expect(starts(9_999)).toEqual([0]);
    expect(starts(10_000)).toEqual([10_000]);
    expect(starts(-1)).toEqual([-10_000]);
  });

  it("refuses a slide larger than the size, a startTime past the slide and zero sizes", () => {
    expect(() => window("ts", "5 seconds", "10 seconds")).toThrow(/slide/);
    expect(() => window("ts", "10 seconds", "5 seconds", "5 seconds")).toThrow(/startTime/);
    expect(() => window("ts", 0)).toThrow(/greater than zero/);
    expect(() => window("ts", "ten seconds")).toThrow(/Invalid duration/);
  });
});
