import type { StreamingQuery, StreamingQueryProgress } from "@skp/core";
import { activeQueries, addQueryListener } from "@skp/core";

/** Running totals of a query run, over every batch (progress keeps only the last 100). */
export interface Totals {
  inputRows: number;
  batches: number;
  droppedByWatermark: number;
  malformed: number;
}

/** What the UI knows of one query run. */
export interface QueryEntry {
  readonly query: StreamingQuery<any>;
  readonly startedAt: string;
  readonly totals: Totals;
  /** Set once the run ended: null when stopped, the error's message when it failed. */
  ended?: { at: string; error: string | null };
}

/** What the page is told as it happens. */
export type BookEvent =
  | { readonly kind: "started"; readonly entry: QueryEntry }
  | { readonly kind: "progress"; readonly entry: QueryEntry; readonly progress: StreamingQueryProgress }
  | { readonly kind: "terminated"; readonly entry: QueryEntry };

/** Ended runs the page (and `/metrics`) keeps showing: the newest 20. */
const KEEP_ENDED = 20;

/**
 * Every query run of the process the UI shows: those running when it started (from `activeQueries()`)
 * and every one started since (a `StreamingQueryListener`), with totals over all their batches, and
 * the last ended runs (Spark's UI lists completed queries too). Subscribers hear of each change.
 */
export class QueryBook {
  private readonly runs = new Map<string, QueryEntry>();
  private readonly subscribers = new Set<(e: BookEvent) => void>();
  private readonly removeListener: () => void;

  constructor() {
    for (const q of activeQueries()) {
      const entry = this.add(q);
      // Batches before the UI started: the last 100 are what the query still has.
      for (const p of q.recentProgress) count(entry.totals, p);
    }
    this.removeListener = addQueryListener({
      onQueryStarted: (e) => {
        const q = activeQueries().find((a) => a.runId === e.runId);
        if (q && !this.runs.has(q.runId)) this.emit({ kind: "started", entry: this.add(q, e.timestamp) });
      },
      onQueryProgress: (p, q) => {
        const entry = this.runs.get(q.runId) ?? this.add(q);
        count(entry.totals, p);
        this.emit({ kind: "progress", entry, progress: p });
      },
      onQueryTerminated: (e) => {
        const entry = this.runs.get(e.runId);
        if (!entry) return;
        entry.ended = { at: new Date().toISOString(), error: e.exception?.message ?? null };
        this.emit({ kind: "terminated", entry });
        this.trim();
      },
    });
  }

  /** Every run shown, oldest first. */
  list(): QueryEntry[] {
    return [...this.runs.values()];
  }

  /** The newest run of the query with this id (a query keeps its id across restarts from a checkpoint). */
  byId(id: string): QueryEntry | undefined {
    let found: QueryEntry | undefined;
    for (const e of this.runs.values()) if (e.query.id === id) found = e;
    return found;
  }

  subscribe(fn: (e: BookEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  close(): void {
    this.removeListener();
    this.subscribers.clear();
  }

  private add(query: StreamingQuery<any>, startedAt = new Date().toISOString()): QueryEntry {
    const entry: QueryEntry = { query, startedAt, totals: { inputRows: 0, batches: 0, droppedByWatermark: 0, malformed: 0 } };
    this.runs.set(query.runId, entry);
    return entry;
  }

  private emit(e: BookEvent): void {
    for (const fn of [...this.subscribers]) fn(e);
  }

  private trim(): void {
    const ended = [...this.runs.values()].filter((e) => e.ended);
    for (const e of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) this.runs.delete(e.query.runId);
  }
}

function count(t: Totals, p: StreamingQueryProgress): void {
  t.inputRows += p.numInputRows;
  t.batches++;
  t.malformed += p.numRowsMalformed ?? 0;
  for (const s of p.stateOperators) t.droppedByWatermark += s.numRowsDroppedByWatermark;
}
