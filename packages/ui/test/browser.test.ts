/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium`, or CHROMIUM_PATH) driven
 * by playwright-core. The page must show every query, draw its charts with data, update live without a
 * reload, show a Kafka source's partitions, and raise no JavaScript error. It saves a screenshot (into
 * docs/images/ with SKP_UI_SCREENSHOTS=1: `pnpm --filter @skp/ui screenshots`).
 */
import { copyFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StreamingQuery } from "@skp/core";
import type { Browser } from "playwright-core";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaFixture } from "../../kafka-source/test/fixtures.js";
import type { UiServer } from "../src/index.js";
import { serveUi } from "../src/index.js";
import { kafkaCounts, parsed, rateCounts } from "./queries.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const kafka = kafkaFixture("skp-ui");
let ui: UiServer;
let browser: Browser;
let queries: StreamingQuery<any>[] = [];
let stopKafka: (() => Promise<void>) | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
  ui = await serveUi({ port: 0 });
  const k = await kafkaCounts(kafka.broker);
  stopKafka = k.stop;
  queries = [await rateCounts(), await parsed(2), k.query];
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopKafka?.();
  for (const q of queries) await q.stop();
  await ui?.close();
});

describe("the dashboard in Chromium", () => {
  it("shows every query, draws its charts with data, updates live, and raises no error", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    const external: string[] = [];
    page.on("request", (r) => !r.url().startsWith(ui.url) && external.push(r.url()));
    await page.goto(ui.url);
    for (const name of ["rate-counts", "parsed-events", "kafka-counts"]) await page.getByText(name, { exact: true }).waitFor();

    // Charts drawn, with data: every chart of the windowed query has points and a canvas.
    const rate = `.query[data-query-id="${queries[0]?.id}"]`;
    await page.waitForFunction(
      (sel) => {
        const charts = [...document.querySelectorAll(`${sel} .chart`)];
        const runs = [...(window as any).__skpUi.runs.values()].find((r: any) => r.el.matches(sel));
        return charts.length === 5 && [...runs.charts.values()].every((c: any) => c.plot.data[0].length >= 3);
      },
      rate,
      { timeout: 20_000 },
    );
    expect(await page.locator(`${rate} canvas`).count()).toBe(5);

    // Live: the batch shown moves on without a reload.
    const batch = page.locator(`${rate} .fact-batch .value`);
    const before = Number(await batch.textContent());
    await page.waitForFunction(([sel, n]) => Number(document.querySelector(`${sel} .fact-batch .value`)?.textContent) > (n as number) + 2, [
      rate,
      before,
    ] as const);

    // The Kafka query's partitions: one row per partition, with the log end and the lag.
    const kafkaCard = `.query[data-query-id="${queries[2]?.id}"]`;
    await page.locator(`${kafkaCard} .partitions tr`).nth(3).waitFor();
    const rows = await page.locator(`${kafkaCard} .partitions td:first-child`).allTextContents();
    expect(rows.map((r) => r.replace(/^.*-(\d+)$/, "$1"))).toEqual(["0", "1", "2"]);

    // And /metrics has its lag per partition.
    const metrics = await (await fetch(new URL("/metrics", ui.url))).text();
    for (const p of [0, 1, 2])
      expect(metrics).toMatch(new RegExp(`skp_kafka_partition_lag\\{query="kafka-counts",topic="ui-\\d+",partition="${p}"\\} \\d+`));

    // The failed/stopped states: stopping a query turns its badge to "stopped".
    await queries[1]?.stop();
    await page.locator(`.query[data-query-id="${queries[1]?.id}"] .badge.stopped`).waitFor();

    const shot = join(mkdtempSync(join(tmpdir(), "skp-ui-")), "ui-dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.SKP_UI_SCREENSHOTS === "1")
      copyFileSync(shot, fileURLToPath(new URL("../../../docs/images/ui-dashboard.png", import.meta.url)));
    expect(errors, errors.join("\n")).toEqual([]);
    expect(external).toEqual([]);
  }, 90_000);
});
