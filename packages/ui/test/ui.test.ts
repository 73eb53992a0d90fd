import type { StreamingQuery } from "@skp/core";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UiServer } from "../src/index.js";
import { serveUi } from "../src/index.js";
import { partitionsOf } from "../src/partitions.js";
import { parsed, rateCounts, until } from "./queries.js";

type Family = { name: string; type: string; metrics: { value?: string; labels?: Record<string, string> }[] };

let ui: UiServer;
let rate: StreamingQuery<any>;
let parse: StreamingQuery<any>;

/** One sample of a metric family for a query (and more labels), as a number. */
async function sample(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const res = await fetch(new URL("/metrics", ui.url));
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
  const families = parsePrometheusTextFormat(await res.text()) as Family[];
  const family = families.find((f) => f.name === name);
  const m = family?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return m?.value === undefined ? undefined : Number(m.value);
}

beforeAll(async () => {
  rate = await rateCounts(); // started before the UI: listed all the same
  ui = await serveUi({ port: 0 });
  parse = await parsed(2); // started after the UI
  await until("a few batches", () => (rate.lastProgress?.batchId ?? 0) >= 3);
});

afterAll(async () => {
  await rate?.stop();
  await parse?.stop();
  await ui?.close();
});

describe("serveUi: JSON", () => {
  it("binds to 127.0.0.1 by default, on the port asked (0: any free one)", () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("lists every query of the process, started before or after it", async () => {
    const list = (await (await fetch(new URL("/api/queries", ui.url))).json()) as any[];
    const byName = new Map(list.map((q) => [q.name, q]));
    expect(byName.get("rate-counts")).toMatchObject({ id: rate.id, runId: rate.runId, isActive: true, trigger: "processingTime(200 ms)" });
    expect(byName.get("rate-counts").lastProgress.batchId).toBeGreaterThanOrEqual(3);
    expect(byName.get("parsed-events")).toMatchObject({ id: parse.id, isActive: true });
  });

  it("serves a query by id, and its recent progress", async () => {
    const one = (await (await fetch(new URL(`/api/queries/${rate.id}`, ui.url))).json()) as any;
    expect(one.name).toBe("rate-counts");
    const progress = (await (await fetch(new URL(`/api/queries/${rate.id}/progress`, ui.url))).json()) as any[];
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1).stateOperators[0].operatorName).toMatch(/windowAggregate/);
  });

  it("answers 404 to an unknown route or id, 405 to anything but GET", async () => {
    for (const path of ["/nope", "/api/queries/no-such-id", "/api/queries/no-such-id/progress", `/api/queries/${rate.id}/x`]) {
      expect((await fetch(new URL(path, ui.url))).status, path).toBe(404);
    }
    expect((await fetch(new URL("/api/queries", ui.url), { method: "POST" })).status).toBe(405);
  });

  it("serves the page and its assets from the process, nothing from outside", async () => {
    const page = await (await fetch(ui.url)).text();
    const refs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    for (const ref of refs) {
      expect(ref.startsWith("/assets/"), ref).toBe(true);
      expect((await fetch(new URL(ref, ui.url))).status, ref).toBe(200);
    }
  });
});

describe("serveUi: /metrics", () => {
  it("exposes the metrics of DESIGN §10 in Prometheus' text format, and they move between scrapes", async () => {
    const q = { query: "rate-counts" };
    const batches = (await sample("skp_query_batches_total", q)) ?? 0;
    const rows = (await sample("skp_query_input_rows_total", q)) ?? 0;
    expect(batches).toBeGreaterThanOrEqual(3);
    await until("more batches", async () => ((await sample("skp_query_batches_total", q)) ?? 0) > batches + 2);
    expect(await sample("skp_query_input_rows_total", q)).toBeGreaterThan(rows);
    expect(await sample("skp_query_watermark_seconds", q)).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(await sample("skp_query_batch_duration_seconds", q)).toBeGreaterThanOrEqual(0);
    expect(await sample("skp_query_input_rows_per_second", q)).toBeGreaterThanOrEqual(0);
    expect(await sample("skp_query_processed_rows_per_second", q)).toBeGreaterThanOrEqual(0);
    expect(await sample("skp_state_rows", { query: "rate-counts", operator: "windowAggregate(timestamp, 1000ms)" })).toBeGreaterThan(0);
    expect(await sample("skp_rows_dropped_by_watermark_total", q)).toBe(0);
    expect(await sample("skp_rows_malformed_total", { query: "parsed-events" })).toBe(2);
  });
});

describe("serveUi: server-sent events", () => {
  it("streams a snapshot then progress as it happens; close() ends open streams promptly", async () => {
    const server = await serveUi({ port: 0 });
    const res = await fetch(new URL("/api/events", server.url));
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    await until("a progress event", async () => {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
      return text.includes("event: progress");
    });
    expect(text).toMatch(/event: snapshot\ndata: \[/);
    const t0 = performance.now();
    await server.close();
    // The stream ends: reads finish instead of hanging.
    for (let r = await reader.read(); !r.done; r = await reader.read());
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});

describe("Kafka partitions from progress", () => {
  const source = (endOffset: unknown, latestOffset: unknown) =>
    ({
      description: "KafkaSource[t]",
      startOffset: null,
      endOffset,
      latestOffset,
      numInputRows: 0,
      inputRowsPerSecond: 0,
      processedRowsPerSecond: 0,
      metrics: {},
    }) as any;

  it("reads offsets and lag, with or without a consumer group, and nothing from other sources", () => {
    expect(partitionsOf(source({ t: { "1": 5, "0": 7 } }, { t: { "0": 10, "1": 5 } }))).toEqual([
      { topic: "t", partition: 0, offset: 7, latest: 10, lag: 3 },
      { topic: "t", partition: 1, offset: 5, latest: 5, lag: 0 },
    ]);
    // With groupId: only the partitions this process read; the log end of every partition is known.
    const grouped = { group: { t: { "2": 4 } }, claim: "c1", from: { t: { "2": [1, null] } } };
    expect(partitionsOf(source(grouped, { t: { "0": 9, "2": 6 } }))).toEqual([{ topic: "t", partition: 2, offset: 4, latest: 6, lag: 2 }]);
    expect(partitionsOf(source({ t: { "0": 1 } }, null))).toEqual([{ topic: "t", partition: 0, offset: 1, latest: null, lag: null }]);
    for (const other of [12, { startMs: 1, rows: 3 }, null, { t: { x: 1 } }]) expect(partitionsOf(source(other, other))).toEqual([]);
  });
});
