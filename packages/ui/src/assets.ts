import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

/** A file the UI serves. */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/**
 * The page and what it loads, all from this package (users run the UI behind firewalls): the page,
 * its script and style from `assets/`, uPlot from its npm package. Read once, at start.
 */
export async function loadAssets(): Promise<Map<string, Asset>> {
  const own = (name: string) => readFile(new URL(`../assets/${name}`, import.meta.url));
  const require = createRequire(import.meta.url);
  const uplot = (name: string) => readFile(require.resolve(`uplot/dist/${name}`));
  const [page, app, style, uplotJs, uplotCss] = await Promise.all([
    own("index.html"),
    own("app.js"),
    own("style.css"),
    uplot("uPlot.iife.min.js"),
    uplot("uPlot.min.css"),
  ]);
  const js = "text/javascript; charset=utf-8";
  const css = "text/css; charset=utf-8";
  return new Map([
    ["/", { type: "text/html; charset=utf-8", body: page }],
    ["/assets/app.js", { type: js, body: app }],
    ["/assets/style.css", { type: css, body: style }],
    ["/assets/uplot.js", { type: js, body: uplotJs }],
    ["/assets/uplot.css", { type: css, body: uplotCss }],
  ]);
}
