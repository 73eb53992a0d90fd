/**
 * The Nexmark queries skp expresses, each with a reference computation over the same generated events
 * (plain loops, no skp) that its output must equal. Where skp's query differs from Nexmark's SQL, the
 * `note` says how. Flink's figures are the per-core throughputs the Nexmark repository publishes (only
 * those cited here; the others are left blank rather than guessed).
 *
 * Not here: q4, q9 (an aggregate of a join's per-auction maximum: skp runs one stateful aggregation
 * per stream, not an aggregation over a join's output), q12 (processing-time windows: a column of
 * `Date.now()` works, but its output depends on the clock, so there is nothing to check it against),
 * q19 (top-N per key: no ranking operator yet).
 */
import type { StreamFrame } from "../../src/index.js";
import { count, max, sessionWindow, window } from "../../src/index.js";
import type { Auction, Bid, NexmarkEvents, Person } from "./generator.js";
import { MAX_AUCTION_MS } from "./generator.js";

export interface Streams {
  bids(): StreamFrame<Bid>;
  auctions(): StreamFrame<Auction>;
  persons(): StreamFrame<Person>;
}
type Row = Record<string, unknown>;

export interface NexmarkQuery {
  id: string;
  what: string;
  /** How it differs from Nexmark's definition, if it does. */
  note?: string;
  /** Flink's events/s per core from the Nexmark repository's results, where cited. */
  flinkPerCore?: number;
  inputs: readonly ("bids" | "auctions" | "persons")[];
  outputMode: "append" | "update";
  build(s: Streams): StreamFrame<object>;
  /** What the output rows are compared as (a projection, made canonical). */
  shape(row: Row): Row;
  /** Output rows after the query (e.g. a second step over each closed window); default all of them. */
  finish?(rows: Row[]): Row[];
  reference(e: NexmarkEvents): Row[];
}

const WINDOW_MS = 10_000;
const DELAY = "1 second";
/** The final watermark of a run over `times`: what closed windows and sessions. */
const finalWatermark = (times: number[]) => times.reduce((m, t) => Math.max(m, t), Number.NEGATIVE_INFINITY) - 1_000;
const windowOf = (t: number, size = WINDOW_MS) => Math.floor(t / size) * size;

function maxCountPerWindow(rows: Row[]): Row[] {
  const best = new Map<number, number>();
  for (const r of rows) best.set(r.end as number, Math.max(best.get(r.end as number) ?? 0, r.num as number));
  return rows.filter((r) => r.num === best.get(r.end as number));
}

export const QUERIES: NexmarkQuery[] = [
  {
    id: "q0",
    what: "pass-through (bids)",
    flinkPerCore: 155_000,
    inputs: ["bids"],
    outputMode: "append",
    build: (s) => s.bids(),
    shape: (r) => ({ a: r.auction, b: r.bidder, p: r.price, t: r.dateTime }),
    reference: (e) => e.bids.map((b) => ({ a: b.auction, b: b.bidder, p: b.price, t: b.dateTime })),
  },
  {
    id: "q1",
    what: "currency conversion (price in euros)",
    inputs: ["bids"],
    outputMode: "append",
    build: (s) => s.bids().withColumn("euros", (b) => Math.round(b.price * 0.908)),
    shape: (r) => ({ a: r.auction, p: r.euros, t: r.dateTime }),
    reference: (e) => e.bids.map((b) => ({ a: b.auction, p: Math.round(b.price * 0.908), t: b.dateTime })),
  },
  {
    id: "q2",
    what: "selection (auction % 123 = 0)",
    inputs: ["bids"],
    outputMode: "append",
    build: (s) => s.bids().filter((b) => b.auction % 123 === 0),
    shape: (r) => ({ a: r.auction, p: r.price }),
    reference: (e) => e.bids.filter((b) => b.auction % 123 === 0).map((b) => ({ a: b.auction, p: b.price })),
  },
  {
    id: "q5",
    what: "hot items (bids per auction, 10 s windows sliding by 2 s; the most bid-on per window)",
    note: "the per-window maximum is taken over each closed window's counts as they leave (append mode), not by a second streaming aggregation and join",
    flinkPerCore: 22_100,
    inputs: ["bids"],
    outputMode: "append",
    build: (s) =>
      s
        .bids()
        .withWatermark("dateTime", DELAY)
        .groupBy(window("dateTime", "10 seconds", "2 seconds"), "auction")
        .agg(count().as("num")),
    shape: (r) => ({ end: (r.window as { end: number }).end ?? r.end, auction: r.auction, num: r.num }),
    finish: maxCountPerWindow,
    reference(e) {
      const wm = finalWatermark(e.bids.map((b) => b.dateTime));
      const counts = new Map<string, number>();
      for (const b of e.bids) {
        for (let start = windowOf(b.dateTime, 2_000) - 8_000; start <= b.dateTime; start += 2_000) {
          if (start + WINDOW_MS <= b.dateTime || start + WINDOW_MS > wm) continue;
          const key = `${start + WINDOW_MS}/${b.auction}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      const rows = [...counts].map(([k, num]) => {
        const [end, auction] = k.split("/").map(Number);
        return { end, auction, num };
      });
      return maxCountPerWindow(rows);
    },
  },
  {
    id: "q7",
    what: "highest bid (the top price per 10 s window)",
    note: "returns each window's top price; Nexmark's q7 then joins back to list the bids at that price",
    flinkPerCore: 12_300,
    inputs: ["bids"],
    outputMode: "append",
    build: (s) => s.bids().withWatermark("dateTime", DELAY).groupBy(window("dateTime", "10 seconds")).agg(max("price").as("top")),
    shape: (r) => ({ end: (r.window as { end: number }).end, top: r.top }),
    reference(e) {
      const wm = finalWatermark(e.bids.map((b) => b.dateTime));
      const top = new Map<number, number>();
      for (const b of e.bids) {
        const end = windowOf(b.dateTime) + WINDOW_MS;
        if (end <= wm) top.set(end, Math.max(top.get(end) ?? 0, b.price));
      }
      return [...top].map(([end, t]) => ({ end, top: t }));
    },
  },
  {
    id: "q11",
    what: "user sessions (bids per bidder, 10 s session gap)",
    flinkPerCore: 39_700,
    inputs: ["bids"],
    outputMode: "append",
    build: (s) => s.bids().withWatermark("dateTime", DELAY).groupBy(sessionWindow("dateTime", "10 seconds"), "bidder").agg(count().as("n")),
    shape: (r) => ({ bidder: r.bidder, start: (r.session_window as { start: number }).start, n: r.n }),
    reference(e) {
      const wm = finalWatermark(e.bids.map((b) => b.dateTime));
      const open = new Map<number, { start: number; last: number; n: number }>();
      const out: Row[] = [];
      for (const b of e.bids) {
        const s = open.get(b.bidder);
        if (s && b.dateTime < s.last + 10_000) {
          s.last = b.dateTime;
          s.n++;
        } else {
          if (s) out.push({ bidder: b.bidder, start: s.start, n: s.n, end: s.last + 10_000 });
          open.set(b.bidder, { start: b.dateTime, last: b.dateTime, n: 1 });
        }
      }
      for (const [bidder, s] of open) out.push({ bidder, start: s.start, n: s.n, end: s.last + 10_000 });
      return out.filter((r) => (r.end as number) <= wm).map(({ end: _end, ...r }) => r);
    },
  },
  {
    id: "q14",
    what: "filter and computed columns (euro price band, time of day, 'c's in extra)",
    inputs: ["bids"],
    outputMode: "append",
    build: (s) =>
      s
        .bids()
        .withColumn("euros", (b) => b.price * 0.908)
        .filter((b) => b.euros > 1_000_000 && b.euros < 50_000_000)
        .withColumn("bidTimeType", (b) => timeType(b.dateTime))
        .withColumn("cCounts", (b) => countC(b.extra)),
    shape: (r) => ({ a: r.auction, t: r.dateTime, type: r.bidTimeType, c: r.cCounts }),
    reference: (e) =>
      e.bids
        .filter((b) => b.price * 0.908 > 1_000_000 && b.price * 0.908 < 50_000_000)
        .map((b) => ({ a: b.auction, t: b.dateTime, type: timeType(b.dateTime), c: countC(b.extra) })),
  },
  {
    id: "q18",
    what: "deduplication (one bid per bidder and auction)",
    note: "keeps the first bid per (bidder, auction), as Spark's dropDuplicates; Nexmark's q18 keeps the last",
    inputs: ["bids"],
    outputMode: "append",
    build: (s) => s.bids().dropDuplicates(["bidder", "auction"]),
    shape: (r) => ({ b: r.bidder, a: r.auction, t: r.dateTime, p: r.price }),
    reference(e) {
      const seen = new Set<string>();
      return e.bids
        .filter((b) => !seen.has(`${b.bidder}/${b.auction}`) && seen.add(`${b.bidder}/${b.auction}`))
        .map((b) => ({ b: b.bidder, a: b.auction, t: b.dateTime, p: b.price }));
    },
  },
  {
    id: "q3",
    what: "local item suggestion (category-10 auctions of sellers in OR, ID or CA): stream-stream join",
    note: "an inner join with no time bound, as Nexmark's: both sides stay in state",
    inputs: ["auctions", "persons"],
    outputMode: "append",
    build: (s) =>
      s
        .auctions()
        .filter((a) => a.category === 10)
        .select("id", "seller")
        .withColumnRenamed("id", "auction")
        .withColumnRenamed("seller", "id")
        .join(
          s
            .persons()
            .filter((p) => p.state === "OR" || p.state === "ID" || p.state === "CA")
            .select("id", "name", "city", "state"),
          { on: "id" },
        ),
    shape: (r) => ({ name: r.name, city: r.city, state: r.state, auction: r.auction }),
    reference(e) {
      const people = new Map(e.persons.filter((p) => ["OR", "ID", "CA"].includes(p.state)).map((p) => [p.id, p]));
      return e.auctions.flatMap((a) => {
        const p = a.category === 10 ? people.get(a.seller) : undefined;
        return p ? [{ name: p.name, city: p.city, state: p.state, auction: a.id }] : [];
      });
    },
  },
  {
    id: "q8",
    what: "new users (persons who open an auction in the 10 s window they registered in): stream-stream join",
    note: "joins on (person, window) within ±10 s of event time; the distinct (person, window) pairs are compared",
    flinkPerCore: 146_000,
    inputs: ["persons", "auctions"],
    outputMode: "append",
    build: (s) =>
      s
        .persons()
        .withWatermark("dateTime", DELAY)
        .withColumn("win", (p) => windowOf(p.dateTime))
        .select("id", "name", "dateTime", "win")
        .withColumnRenamed("dateTime", "pTime")
        .join(
          s
            .auctions()
            .withWatermark("dateTime", DELAY)
            .withColumn("win", (a) => windowOf(a.dateTime))
            .select("seller", "dateTime", "win")
            .withColumnRenamed("seller", "id")
            .withColumnRenamed("dateTime", "aTime"),
          { on: ["id", "win"], timeRange: { left: "pTime", right: "aTime", lower: "-10 seconds", upper: "10 seconds" } },
        ),
    shape: (r) => ({ id: r.id, win: r.win }),
    finish: (rows) => [...new Map(rows.map((r) => [`${r.id}/${r.win}`, r])).values()],
    reference(e) {
      const registered = new Map(e.persons.map((p) => [p.id, windowOf(p.dateTime)]));
      const out = new Map<string, Row>();
      for (const a of e.auctions)
        if (registered.get(a.seller) === windowOf(a.dateTime))
          out.set(`${a.seller}/${windowOf(a.dateTime)}`, { id: a.seller, win: windowOf(a.dateTime) });
      return [...out.values()];
    },
  },
  {
    id: "q20",
    what: "bids with their auction's details, category 10: stream-stream join",
    note: `bounded by the auction's lifetime (bid within ${MAX_AUCTION_MS / 1000} s of the auction's start, then before it expires); Nexmark's is an unbounded join — on this generator the same rows`,
    inputs: ["auctions", "bids"],
    outputMode: "append",
    build: (s) =>
      s
        .auctions()
        .withWatermark("dateTime", DELAY)
        .filter((a) => a.category === 10)
        .select("id", "itemName", "category", "dateTime", "expires")
        .withColumnRenamed("id", "auction")
        .withColumnRenamed("dateTime", "aTime")
        .join(s.bids().withWatermark("dateTime", DELAY).select("auction", "bidder", "price", "dateTime"), {
          on: "auction",
          timeRange: { left: "aTime", right: "dateTime", lower: "0 seconds", upper: `${MAX_AUCTION_MS / 1000} seconds` },
        })
        .filter((r) => r.dateTime <= r.expires),
    shape: (r) => ({ a: r.auction, b: r.bidder, p: r.price, t: r.dateTime, item: r.itemName }),
    reference(e) {
      const byId = new Map(e.auctions.filter((a) => a.category === 10).map((a) => [a.id, a]));
      return e.bids.flatMap((b) => {
        const a = byId.get(b.auction);
        return a && b.dateTime >= a.dateTime && b.dateTime <= a.expires
          ? [{ a: b.auction, b: b.bidder, p: b.price, t: b.dateTime, item: a.itemName }]
          : [];
      });
    },
  },
];

function timeType(t: number): string {
  const hour = new Date(t).getUTCHours();
  return hour >= 8 && hour <= 18 ? "dayTime" : hour <= 6 || hour >= 20 ? "nightTime" : "otherTime";
}

function countC(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 99) n++;
  return n;
}
