/**
 * Benchmark: what skp's UI costs a running pipeline. The same windowed aggregation (parse → 10 s
 * windows → avg by id, 1,000-row batches, so ~200 progress reports a run) runs without the UI, and with
 * `serveUi` serving and the dashboard open in headless Chromium (or, without Chromium, a client
 * reading the event stream), in the same process, alternating rounds. Reports events/s and the ratio.
 *
 *   node --import tsx bench/ui-overhead.bench.ts [events=1000000]
 */
import { existsSync } from "node:fs";
import { avg, double, int, MemoryStream, readStream, string, struct, timestamp, window } from "@skp/core";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";
import { serveUi } from "../src/index.js";

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const T0 = Date.parse("2025-11-06T07:00:00Z");
const events = Array.from({ length: EVENTS }, (_, i) =>
  JSON.stringify({ id: i % 10, ts: new Date(T0 + i * 5).toISOString(), value: (i % 1000) / 10, source: "sim-producer" }),
);

async function run(): Promise<number> {
  const input = new MemoryStream(struct({ value: string() }), { name: "bench" });
  input.addData(events.map((value) => ({ value })));
  const start = performance.now();
  const q = await readStream(input, { maxOffsetsPerTrigger: 1_000 })
    .parseJson(struct({ id: int(), ts: timestamp(), value: double(), source: string() }), { mode: "dropMalformed" })
    .withWatermark("ts", "30 seconds")
    .groupBy(window("ts", "10 seconds"), "id")
    .agg(avg("value").as("avg_value"))
    .writeStream.queryName("bench-avg")
    .outputMode("append")
    .foreachBatch(() => {})
    .start();
  await q.processAllAvailable();
  await q.stop();
  return performance.now() - start;
}

let browser: Browser | undefined;
let page: Page | undefined;
if (existsSync(CHROMIUM)) {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
}
const watched = page ? "the dashboard open in headless Chromium" : "an event-stream client reading";

/** A run with the UI served and watched: the page open (or an event-stream client reading). */
async function runWatched(): Promise<number> {
  const ui = await serveUi({ port: 0 });
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  if (page) await page.goto(ui.url);
  else {
    reader = ((await fetch(new URL("/api/events", ui.url))).body as ReadableStream<Uint8Array>).getReader();
    void (async () => {
      while (!(await reader.read()).done);
    })().catch(() => {});
  }
  const ms = await run();
  await page?.goto("about:blank");
  await ui.close();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const without: number[] = [];
const withUi: number[] = [];
await run(); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  without.push(await run()); // no UI at all: no server, no listener, no page
  withUi.push(await runWatched());
  console.log(`round ${r + 1}: without UI ${without.at(-1)?.toFixed(0)} ms, with UI ${withUi.at(-1)?.toFixed(0)} ms`);
}
await browser?.close();

const rate = (ms: number) => Math.round((EVENTS / ms) * 1000).toLocaleString("en-US");
console.log(`\n${EVENTS.toLocaleString("en-US")} events, 1,000-row batches, median of ${ROUNDS}, node ${process.version}`);
console.log("| pipeline | events/s | ratio |\n|---|---:|---:|");
console.log(`| windowed avg, no UI | ${rate(median(without))} | 1.00 |`);
console.log(`| windowed avg, UI served, ${watched} | ${rate(median(withUi))} | ${(median(without) / median(withUi)).toFixed(2)} |`);
