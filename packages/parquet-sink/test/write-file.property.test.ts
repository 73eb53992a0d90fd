import { double, int, long, struct, timestamp } from "@skp/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planColumns } from "../src/parquet-schema.js";
import { rowsToJob } from "../src/write-file.js";

const fields = struct({ n: int(), big: long(), ts: timestamp(), d: double(), w: struct({ start: timestamp(), end: timestamp() }) }).fields!;
const safeLong = fc.maxSafeInteger().filter((x) => Math.abs(x) < 2 ** 53);
const millis = fc.integer({ min: -(2 ** 40), max: 2 ** 42 }); // years ~1935 to ~2109, in ms: micros stay safe
const row = fc.record({
  n: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  big: safeLong,
  ts: millis,
  d: fc.double({ noNaN: true }),
  w: fc.record({ start: millis, end: millis }),
});

describe("column building", () => {
  for (const unit of ["millis", "micros"] as const) {
    it(`numeric columns built as typed arrays hold exactly what the per-cell conversion gives (${unit})`, () => {
      const plans = planColumns(fields, [], unit);
      fc.assert(
        fc.property(fc.array(row, { minLength: 1, maxLength: 50 }), (rows) => {
          const job = rowsToJob(rows, plans, "UNCOMPRESSED");
          plans.forEach((plan, k) => {
            const data = job.columnData[k]!.data;
            expect(ArrayBuffer.isView(data), plan.element.name).toBe(true);
            const expected = rows.map((r) =>
              plan.convert(plan.path.length === 1 ? (r as never)[plan.path[0]!] : (r as never)[plan.path[0]!][plan.path[1]!]),
            );
            expect(Array.from(data as ArrayLike<unknown>), plan.element.name).toEqual(expected);
          });
        }),
      );
    });
  }

  it("a column with a null, or a fractional millisecond, falls back to the per-cell conversion", () => {
    const plans = planColumns(struct({ ts: timestamp().nullable(), big: long() }).fields!, [], "millis");
    const job = rowsToJob(
      [
        { ts: 1.6, big: 3 },
        { ts: null, big: -(2 ** 40) - 7 },
      ],
      plans,
      "UNCOMPRESSED",
    );
    expect(job.columnData[0]!.data).toEqual([2n, null]);
    expect([...(job.columnData[1]!.data as BigInt64Array)]).toEqual([3n, -(2n ** 40n) - 7n]);
  });
});
