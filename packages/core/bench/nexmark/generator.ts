/**
 * Nexmark's event generator (after the Nexmark benchmark's and Apache Beam's `NexmarkGenerator`):
 * persons, auctions and bids in Nexmark's proportions (1 : 3 : 46 in every 50 events), event time
 * advancing by a fixed gap per event (the generator's `firstEventRate`), ids drawn as Nexmark draws
 * them — bids favour the newest ("hot") auctions and bidders, auctions the newest sellers. Seeded, so
 * every run and the reference computation see the same events.
 */
export interface Person {
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}
export interface Auction {
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: number;
  expires: number;
  seller: number;
  category: number;
  extra: string;
}
export interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}
export interface NexmarkEvents {
  persons: Person[];
  auctions: Auction[];
  bids: Bid[];
  /** Every event's kind in generation order (0 person, 1 auction, 2 bid). */
  total: number;
}

const PERSON_PROPORTION = 1;
const AUCTION_PROPORTION = 3;
const PROPORTION_DENOMINATOR = 50;
const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const HOT_AUCTION_RATIO = 2;
const HOT_BIDDER_RATIO = 4;
const HOT_SELLER_RATIO = 4;
const NUM_ACTIVE_PEOPLE = 1000;
const NUM_IN_FLIGHT_AUCTIONS = 100;
/** The longest an auction runs: `expires` is at most this after its `dateTime`. */
export const MAX_AUCTION_MS = 20_000;
const US_STATES = ["AZ", "CA", "ID", "OR", "WA", "WY"];
const US_CITIES = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
const FIRST_NAMES = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
const LAST_NAMES = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
const CHANNELS = ["Google", "Facebook", "Baidu", "Apple"];
export const BASE_TIME = Date.parse("2025-11-06T07:00:00Z");

/** `n` events at `eventsPerSecond` of event time. */
export function generate(n: number, eventsPerSecond = 10_000, seed = 42): NexmarkEvents {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (bound: number) => Math.floor(random() * bound);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  const text = (len: number) => {
    let out = "";
    while (out.length < len) out += String.fromCharCode(97 + int(26));
    return out;
  };
  const price = () => Math.round(10 ** (random() * 6) * 100);
  const out: NexmarkEvents = { persons: [], auctions: [], bids: [], total: n };
  for (let e = 0; e < n; e++) {
    const dateTime = BASE_TIME + Math.floor((e * 1000) / eventsPerSecond);
    const epoch = Math.floor(e / PROPORTION_DENOMINATOR);
    const offset = e % PROPORTION_DENOMINATOR;
    const lastPerson = FIRST_PERSON_ID + epoch * PERSON_PROPORTION + Math.min(offset, PERSON_PROPORTION - 1);
    const lastAuction =
      FIRST_AUCTION_ID + epoch * AUCTION_PROPORTION + Math.max(0, Math.min(offset - PERSON_PROPORTION, AUCTION_PROPORTION - 1));
    if (offset < PERSON_PROPORTION) {
      out.persons.push({
        id: FIRST_PERSON_ID + epoch * PERSON_PROPORTION + offset,
        name: `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`,
        emailAddress: `${text(7)}@${text(5)}.com`,
        creditCard: `${1000 + int(9000)} ${1000 + int(9000)} ${1000 + int(9000)} ${1000 + int(9000)}`,
        city: pick(US_CITIES),
        state: pick(US_STATES),
        dateTime,
        extra: text(20),
      });
    } else if (offset < PERSON_PROPORTION + AUCTION_PROPORTION) {
      const id = FIRST_AUCTION_ID + epoch * AUCTION_PROPORTION + (offset - PERSON_PROPORTION);
      // Sellers: usually a "hot" (recent) person, else any active one.
      const seller =
        int(HOT_SELLER_RATIO) > 0
          ? Math.floor((lastPerson - FIRST_PERSON_ID) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO + FIRST_PERSON_ID
          : Math.max(FIRST_PERSON_ID, lastPerson - int(NUM_ACTIVE_PEOPLE));
      const initialBid = price();
      out.auctions.push({
        id,
        itemName: text(10),
        description: text(40),
        initialBid,
        reserve: initialBid + price(),
        dateTime,
        expires: dateTime + 1 + int(MAX_AUCTION_MS),
        seller,
        category: FIRST_CATEGORY_ID + int(NUM_CATEGORIES),
        extra: text(20),
      });
    } else {
      // Bids: half go to a "hot" auction, the rest to one still in flight; bidders likewise.
      const auction =
        int(HOT_AUCTION_RATIO) > 0
          ? Math.floor((lastAuction - FIRST_AUCTION_ID) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO + FIRST_AUCTION_ID
          : Math.max(FIRST_AUCTION_ID, lastAuction - int(NUM_IN_FLIGHT_AUCTIONS));
      const bidder =
        int(HOT_BIDDER_RATIO) > 0
          ? Math.floor((lastPerson - FIRST_PERSON_ID) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + FIRST_PERSON_ID + 1
          : Math.max(FIRST_PERSON_ID, lastPerson - int(NUM_ACTIVE_PEOPLE));
      out.bids.push({
        auction,
        bidder,
        price: price(),
        channel: pick(CHANNELS),
        url: `https://www.nexmark.com/${text(5)}/item.htm?query=1`,
        dateTime,
        extra: text(20 + int(40)),
      });
    }
  }
  return out;
}
