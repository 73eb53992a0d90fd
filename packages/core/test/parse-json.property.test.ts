import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MalformedRecord } from "../src/index.js";
import { any, binary, double, int, MemoryStream, memorySink, readStream, string, struct, timestamp } from "../src/index.js";

/** Values a Kafka record's `value` may hold: bytes (valid UTF-8 or not), strings (JSON or not), null. */
const valueArb = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.string({ maxLength: 40 }),
  fc.json().map((j) => Buffer.from(j)),
  fc
    .record({ id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)), ts: fc.oneof(fc.string(), fc.integer()), v: fc.double() })
    .map((o) => JSON.stringify(o)),
  fc.constant(null),
  fc.constant(""),
);

const schema = struct({
  id: int(),
  ts: timestamp().nullable(),
  v: double().nullable(),
  "a.b": string().nullable(),
  ["__proto__"]: string().nullable(),
  'q"uote': int().nullable(),
});

describe("parseJson over arbitrary input", () => {
  it("never crashes: every input is a row or a dead letter (quarantine), and a row per input (permissive)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(valueArb, { maxLength: 30 }), async (values) => {
        const input = new MemoryStream(struct({ value: any() }));
        const dead = memorySink<MalformedRecord>();
        const rows = memorySink<Record<string, unknown>>();
        const perm = memorySink<Record<string, unknown>>();
        const q1 = await readStream(input).parseJson(schema, { mode: "quarantine", deadLetters: dead }).writeStream.format(rows).start();
        const q2 = await readStream(input).parseJson(schema).writeStream.format(perm).start();
        input.addData(values.map((value) => ({ value })));
        await q1.processAllAvailable();
        await q2.processAllAvailable();
        await q1.stop();
        await q2.stop();
        expect(rows.rows.length + dead.rows.length).toBe(values.length);
        expect(perm.rows.length).toBe(values.length);
        // Dead letters keep the raw value exactly, and say why.
        for (const d of dead.rows) {
          expect(values).toContain(d.raw);
          expect(d.reason.length).toBeGreaterThan(0);
        }
        for (const r of rows.rows) expect(Number.isInteger(r.id)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("odd field names are plain properties: quotes, dots, __proto__ (never the prototype)", async () => {
    const input = new MemoryStream(struct({ value: binary() }));
    const sink = memorySink<Record<string, unknown>>();
    const q = await readStream(input).parseJson(schema, { mode: "dropMalformed" }).writeStream.format(sink).start();
    const text = '{"id": 1, "ts": null, "v": 2.5, "a.b": "dot", "__proto__": "polluted?", "q\\"uote": 7}';
    input.addData([{ value: Buffer.from(text) }, { value: Buffer.from([0xff, 0xfe, 0x7b]) }]);
    await q.processAllAvailable();
    await q.stop();
    expect(sink.rows).toHaveLength(1);
    const row = sink.rows[0]!;
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(row)).toContain("__proto__");
    expect([row["a.b"], row['q"uote'], Object.getOwnPropertyDescriptor(row, "__proto__")?.value]).toEqual(["dot", 7, "polluted?"]);
    expect(q.lastProgress?.numRowsMalformed).toBe(1); // invalid UTF-8: counted, not a crash
  });
});
