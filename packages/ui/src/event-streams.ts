import type { ServerResponse } from "node:http";
import type { BookEvent, QueryBook } from "./query-book.js";
import { entryJson, partitionsFrom, withProgress } from "./query-json.js";

/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/**
 * Progress reports go out together at most this often: a query running hundreds of batches a second
 * costs the page one message (and one redraw) per tick, not one per batch.
 */
const FLUSH_MS = 250;

/**
 * `/api/events`: server-sent events for the page. A new stream first gets a `snapshot` (every query
 * with its recent progress), then `started`, `progress` (a list: the reports since the last one, at
 * most every 250 ms) and `terminated` as they happen, in order. Nothing runs while no page is open;
 * `close()` ends every stream.
 */
export class EventStreams {
  private readonly open_ = new Set<ServerResponse>();
  private readonly unsubscribe: () => void;
  private heartbeat: NodeJS.Timeout | undefined;
  private pending: unknown[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly book: QueryBook) {
    this.unsubscribe = book.subscribe((e) => this.broadcast(e));
  }

  open(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    res.write("retry: 2000\n\n");
    write(res, "snapshot", this.book.list().map(withProgress));
    this.open_.add(res);
    res.on("close", () => {
      this.open_.delete(res);
      if (this.open_.size === 0) this.stopHeartbeat();
    });
    this.heartbeat ??= setInterval(() => {
      for (const r of this.open_) r.write(": keep-alive\n\n");
    }, HEARTBEAT_MS).unref();
  }

  close(): void {
    this.unsubscribe();
    this.stopHeartbeat();
    clearTimeout(this.flushTimer);
    for (const res of this.open_) res.end();
    this.open_.clear();
  }

  private broadcast(e: BookEvent): void {
    if (this.open_.size === 0) return;
    if (e.kind === "progress") {
      this.pending.push({ ...entryJson(e.entry), lastProgress: null, progress: e.progress, partitions: partitionsFrom(e.progress) });
      this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
      return;
    }
    this.flush();
    for (const res of this.open_) write(res, e.kind, entryJson(e.entry));
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    for (const res of this.open_) write(res, "progress", batch);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

function write(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
