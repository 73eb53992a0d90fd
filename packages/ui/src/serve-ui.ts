import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadAssets } from "./assets.js";
import { EventStreams } from "./event-streams.js";
import { metricsRegistry } from "./metrics.js";
import { QueryBook } from "./query-book.js";
import { entryJson, withProgress } from "./query-json.js";

export interface UiOptions {
  /** Default 4040 (Spark's UI port); 0 picks any free port. */
  port?: number;
  /**
   * Default `127.0.0.1`: only this machine can open the UI. Exposing it (`0.0.0.0`) is your choice;
   * the UI has no authentication.
   */
  host?: string;
}

export interface UiServer {
  /** Where the dashboard is, e.g. `http://127.0.0.1:4040/`. */
  readonly url: string;
  /** Ends open event streams and stops the server; resolves once it is closed. */
  close(): Promise<void>;
}

/**
 * Serves Spark's streaming UI for skp: a live dashboard of every query of the process (`/`, updated
 * over server-sent events), their progress as JSON (`/api/queries`, `/api/queries/:id`,
 * `/api/queries/:id/progress`) and Prometheus metrics (`/metrics`). Everything it serves comes from
 * the process itself: no CDN, no external requests.
 *
 * @example
 * const ui = await serveUi();            // http://127.0.0.1:4040/
 * console.log(`skp UI: ${ui.url}`);
 */
export async function serveUi(options: UiOptions = {}): Promise<UiServer> {
  const { port = 4040, host = "127.0.0.1" } = options;
  const assets = await loadAssets();
  const book = new QueryBook();
  const metrics = metricsRegistry(book);
  const streams = new EventStreams(book);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://ui").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "method not allowed\n");
    const asset = assets.get(path);
    if (asset) return send(res, 200, asset.type, asset.body);
    if (path === "/favicon.ico") return send(res, 204, "image/x-icon", "");
    if (path === "/api/events") return streams.open(res);
    if (path === "/metrics") return send(res, 200, metrics.contentType, await metrics.metrics());
    if (path === "/api/queries") return json(res, book.list().map(entryJson));
    const m = /^\/api\/queries\/([^/]+)(\/progress)?$/.exec(path);
    const entry = m ? book.byId(decodeURIComponent(m[1] as string)) : undefined;
    if (m && entry) return json(res, m[2] ? entry.query.recentProgress : withProgress(entry));
    return send(res, 404, "text/plain", "not found\n");
  };

  const server = createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, "text/plain", "internal error\n");
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/`,
    async close() {
      streams.close();
      book.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

function json(res: ServerResponse, value: unknown): void {
  send(res, 200, "application/json; charset=utf-8", JSON.stringify(value));
}
