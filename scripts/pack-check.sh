#!/usr/bin/env bash
# Proves the packages install the way users install them: `pnpm pack` each one, `npm install` the
# tarballs into a fresh project, compile a TypeScript program against them with `tsc --strict`, and
# run it as ESM and as CommonJS with plain node.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for p in core kafka-source kafka-sink parquet-sink ui; do
  (cd "packages/$p" && pnpm pack --pack-destination "$work" >/dev/null)
done
mkdir "$work/app" && cd "$work/app"
cat > package.json <<'JSON'
{ "name": "skp-install-check", "private": true, "type": "module" }
JSON
npm install --no-audit --no-fund --loglevel=error ../skp-core-*.tgz ../skp-kafka-source-*.tgz ../skp-kafka-sink-*.tgz ../skp-parquet-sink-*.tgz ../skp-ui-*.tgz rxjs@7.8.2 typescript@5.9.3 @types/node@20.19.8 >/dev/null

cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022", "types": ["node"], "skipLibCheck": false } }
JSON
# One program, compiled twice: as ESM (.ts → .js) and as CommonJS (.cts → .cjs).
cat > check.ts <<'TS'
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStream, avg, count, double, int, memorySink, readStream, string, struct, timestamp, window } from "@skp/core";
import type { StreamingQuery, WindowValue } from "@skp/core";
import { kafkaSource } from "@skp/kafka-source";
import { kafkaSink } from "@skp/kafka-sink";
import { parquetSink } from "@skp/parquet-sink";
import { serveUi } from "@skp/ui";

async function main() {
  const ui = await serveUi({ port: 0 });
  const raw = new MemoryStream(struct({ value: string() }));
  const events = readStream(raw).parseJson(struct({ id: int(), ts: timestamp(), value: double(), source: string() }), { mode: "dropMalformed" });
  const sink = memorySink<{ window: WindowValue; id: number; avg_value: number | null; n: number }>();
  const q: StreamingQuery<{ window: WindowValue; id: number; avg_value: number | null; n: number }> = await events
    .withWatermark("ts", "30 seconds").groupBy(window("ts", "10 seconds"), "id").agg(avg("value").as("avg_value"), count().as("n"))
    .writeStream.outputMode("complete").format(sink).start();
  const dir = mkdtempSync(join(tmpdir(), "skp-pack-"));
  const files = await events.writeStream.format(parquetSink({ path: dir, partitionBy: ["id"] })).start();
  raw.addData({ value: JSON.stringify({ id: 1, ts: "2025-11-06T07:00:01Z", value: 2, source: "s" }) }, { value: "not json" });
  await q.processAllAvailable();
  await files.processAllAvailable();
  // The UI serves its page and assets from the installed package, and lists the running queries.
  const listed = (await (await fetch(`${ui.url}api/queries`)).json()) as unknown[];
  for (const asset of ["", "assets/app.js", "assets/uplot.js"]) {
    if ((await fetch(ui.url + asset)).status !== 200) throw new Error(`UI asset /${asset} missing`);
  }
  if (listed.length !== 2) throw new Error(`UI lists ${listed.length} queries, not 2`);
  await ui.close();
  await q.stop();
  await files.stop();
  const source = kafkaSource({ brokers: ["localhost:9"], topic: "events" });
  if (!kafkaSink({ brokers: ["localhost:9"], topic: "out" }).description.includes("out")) throw new Error("kafkaSink");
  if (sink.rows.length !== 1 || sink.rows[0]!.avg_value !== 2 || !readdirSync(dir).includes("id=1") || !source.description.includes("events")) {
    throw new Error("unexpected result");
  }
  console.log(`install check OK (${typeof require === "undefined" ? "ESM" : "CommonJS"})`);
}
void main().catch((e) => { console.error(e); process.exit(1); });
TS
cp check.ts check.cts
npx tsc -p tsconfig.json
node check.js
node check.cjs
