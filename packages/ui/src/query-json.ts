import type { StreamingQueryProgress } from "@skp/core";
import { partitionsOf } from "./partitions.js";
import type { QueryEntry } from "./query-book.js";

/** A query run as `/api/queries` lists it (DESIGN §10: id, runId, name, isActive, lastProgress; and more). */
export function entryJson(e: QueryEntry) {
  const q = e.query;
  return {
    id: q.id,
    runId: q.runId,
    name: q.name,
    isActive: q.isActive,
    lastProgress: q.lastProgress,
    trigger: q.trigger,
    startedAt: e.startedAt,
    endedAt: e.ended?.at ?? null,
    exception: e.ended?.error ?? null,
    totals: { ...e.totals },
    partitions: partitionsFrom(q.lastProgress),
  };
}

/** One query with its recent progress: what the page draws its charts from. */
export function withProgress(e: QueryEntry) {
  return { ...entryJson(e), recentProgress: e.query.recentProgress };
}

/** The Kafka partitions of every source of a batch (empty for other sources). */
export function partitionsFrom(p: StreamingQueryProgress | null) {
  return (p?.sources ?? []).flatMap((s) => partitionsOf(s).map((r) => ({ source: s.description, ...r })));
}
