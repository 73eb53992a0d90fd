import { describe, expect, it } from "vitest";
import { pairs, windowedCount } from "./helpers.js";

describe("append mode with a watermark (Spark's worked example)", () => {
  it("emits a window once the watermark passes its end, then drops and counts later rows", async () => {
    const { input, agg, sink } = windowedCount();
    const q = await agg.writeStream.outputMode("append").format(sink).start();

    input.addData([10, 11, 12, 13, 14, 15].map((value) => ({ value })));
    await q.processAllAvailable();
    expect(sink.rows).toEqual([]);

    input.addData({ value: 25 }); // watermark moves to 25 - 10 = 15 s
    await q.processAllAvailable();
    expect(pairs(sink.rows)).toEqual([[10, 5]]);
    expect(q.lastProgress!.stateOperators[0]!.numRowsTotal).toBe(2);
    expect(q.lastProgress!.stateOperators[0]!.numRowsDroppedByWatermark).toBe(0);

    input.addData({ value: 10 }); // window [10, 15) ended at the watermark: late
    await q.processAllAvailable();
    expect(pairs(sink.rows)).toEqual([[10, 5]]);
    expect(q.lastProgress!.stateOperators[0]!.numRowsTotal).toBe(2);
    expect(q.lastProgress!.stateOperators[0]!.numRowsDroppedByWatermark).toBe(1);
    await q.stop();
  });
});
