/**
 * Nexmark on skp: generates the events once, runs each query over them (sources of in-memory events,
 * batches of `BATCH` events, trigger availableNow, output into `foreachBatch`), checks the output
 * against the query's reference computation, and prints events/s beside Flink's published per-core
 * figures.
 *
 *   pnpm bench:nexmark [events=1000000] [q0,q5,...]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { int, long, MemoryStream, readStream, string, struct, timestamp } from "../../src/index.js";
import type { Auction, Bid, NexmarkEvents, Person } from "./generator.js";
import { generate } from "./generator.js";
import type { NexmarkQuery, Streams } from "./queries.js";
import { QUERIES } from "./queries.js";

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const ONLY = process.argv[3]?.split(",");
const BATCH = 10_000;
const ROUNDS = Number(process.env.NEXMARK_ROUNDS ?? 3);

const bidSchema = struct({
  auction: long(),
  bidder: long(),
  price: long(),
  channel: string(),
  url: string(),
  dateTime: timestamp(),
  extra: string(),
});
const auctionSchema = struct({
  id: long(),
  itemName: string(),
  description: string(),
  initialBid: long(),
  reserve: long(),
  dateTime: timestamp(),
  expires: timestamp(),
  seller: long(),
  category: int(),
  extra: string(),
});
const personSchema = struct({
  id: long(),
  name: string(),
  emailAddress: string(),
  creditCard: string(),
  city: string(),
  state: string(),
  dateTime: timestamp(),
  extra: string(),
});

/** One run: the query over fresh sources holding the events; its output rows and the time it took. */
async function runOnce(
  q: NexmarkQuery,
  e: NexmarkEvents,
  checkpoint: boolean,
): Promise<{ ms: number; rows: Record<string, unknown>[]; events: number }> {
  const share = (n: number) => Math.max(1, Math.round((BATCH * n) / e.total));
  const streams: Streams = {
    bids() {
      const m = new MemoryStream(bidSchema, { name: "bids" });
      m.addData(e.bids);
      return readStream(m, { maxOffsetsPerTrigger: share(e.bids.length) });
    },
    auctions() {
      const m = new MemoryStream(auctionSchema, { name: "auctions" });
      m.addData(e.auctions);
      return readStream(m, { maxOffsetsPerTrigger: share(e.auctions.length) });
    },
    persons() {
      const m = new MemoryStream(personSchema, { name: "persons" });
      m.addData(e.persons);
      return readStream(m, { maxOffsetsPerTrigger: share(e.persons.length) });
    },
  };
  const rows: Record<string, unknown>[] = [];
  const frame = q.build(streams);
  const dir = checkpoint ? mkdtempSync(join(tmpdir(), "skp-nexmark-")) : undefined;
  const t0 = performance.now();
  const writer = frame.writeStream
    .outputMode(q.outputMode)
    .trigger({ availableNow: true })
    .foreachBatch((batch: readonly object[]) => {
      for (const r of batch) rows.push(q.shape(r as Record<string, unknown>));
    });
  if (dir) writer.option("checkpointLocation", dir);
  const query = await writer.start();
  await query.awaitTermination();
  const ms = performance.now() - t0;
  if (dir) rmSync(dir, { recursive: true, force: true });
  const events = q.inputs.reduce((n, kind) => n + e[kind].length, 0);
  return { ms, rows: q.finish ? q.finish(rows) : rows, events };
}

const canonical = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

function sameRows(a: Record<string, unknown>[], b: Record<string, unknown>[]): string | undefined {
  const x = canonical(a);
  const y = canonical(b);
  if (x.length !== y.length) return `${x.length} rows, the reference has ${y.length}`;
  const i = x.findIndex((v, k) => v !== y[k]);
  return i < 0 ? undefined : `row ${i} differs: ${x[i]} vs the reference's ${y[i]}`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

const t0 = performance.now();
const events = generate(EVENTS);
const generateMs = performance.now() - t0;
console.log(
  `\n${EVENTS.toLocaleString("en-US")} Nexmark events (${events.persons.length.toLocaleString("en-US")} persons, ${events.auctions.length.toLocaleString("en-US")} auctions, ${events.bids.length.toLocaleString("en-US")} bids) generated in ${Math.round(generateMs)} ms (${fmt(EVENTS / (generateMs / 1000))} events/s, not counted below); batches of ${BATCH.toLocaleString("en-US")} events, median of ${ROUNDS} runs, one core, node ${process.version}`,
);
console.log(
  "| query | what | output rows | = reference | skp events/s (one core) | with a checkpoint | Flink events/s per core |\n|---|---|---:|:---:|---:|---:|---:|",
);
let failed = 0;
const notes: string[] = [];
for (const q of QUERIES.filter((q) => !ONLY || ONLY.includes(q.id))) {
  type Run = Awaited<ReturnType<typeof runOnce>>;
  const runs: Run[] = [];
  const checkpointed: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    runs.push(await runOnce(q, events, false));
    checkpointed.push(await runOnce(q, events, true));
  }
  const reference = q.reference(events);
  const mismatch = sameRows(runs[0]!.rows, reference) ?? sameRows(checkpointed[0]!.rows, reference);
  if (mismatch) failed++;
  const rate = (xs: Run[]) => fmt(median(xs.map((r) => r.events / (r.ms / 1000))));
  console.log(
    `| ${q.id} | ${q.what} | ${fmt(runs[0]!.rows.length)} | ${mismatch ? `**no**: ${mismatch}` : "yes"} | ${rate(runs)} | ${rate(checkpointed)} | ${q.flinkPerCore ? fmt(q.flinkPerCore) : "—"} |`,
  );
  if (q.note) notes.push(`- ${q.id}: ${q.note}`);
}
if (notes.length) console.log(`\n${notes.join("\n")}`);
if (failed) {
  console.error(`\n${failed} queries differ from their reference`);
  process.exitCode = 1;
}

export type { Auction, Bid, Person };
