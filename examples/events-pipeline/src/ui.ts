import type { UiServer } from "@skp/ui";
import { serveUi } from "@skp/ui";
import type { PipelineConfig } from "./config.js";

/**
 * Serves skp's UI for the job's queries at `--ui host:port` (default 127.0.0.1:4040; `off`: none).
 * A port in use moves on to the next, up to 16 (as Spark's UI does: 4040, 4041, ...), so two jobs on
 * one machine each get one.
 */
export async function startUi(config: PipelineConfig): Promise<UiServer | undefined> {
  if (config.ui === "off") return undefined;
  const m = /^(.*):(\d+)$/.exec(config.ui);
  if (!m) throw new Error(`--ui (SKP_UI) must be host:port or off, got ${config.ui}`);
  const host = m[1] as string;
  const first = Number(m[2]);
  for (let port = first; ; port++) {
    try {
      return await serveUi({ host, port });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE" || port >= first + 15) throw e;
    }
  }
}
