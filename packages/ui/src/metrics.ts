import type { StreamingQueryProgress } from "@skp/core";
import { Counter, Gauge, Registry } from "prom-client";
import { partitionsOf } from "./partitions.js";
import type { QueryBook, QueryEntry } from "./query-book.js";

/** The label a query's series carry: its name, else its id. */
export const queryLabel = (e: QueryEntry): string => e.query.name ?? e.query.id;

/**
 * `/metrics`: the Prometheus text format (through prom-client), read from the book at each scrape —
 * nothing is computed between scrapes. Counters are totals over every batch of the run; gauges are
 * the last batch's values. Ended runs are left out.
 */
export function metricsRegistry(book: QueryBook): Registry {
  const registry = new Registry();
  const running = () => book.list().filter((e) => !e.ended);
  const last = (e: QueryEntry): StreamingQueryProgress | null => e.query.lastProgress;
  const counter = (name: string, help: string, value: (e: QueryEntry) => number) =>
    new Counter({
      name,
      help,
      labelNames: ["query"],
      registers: [registry],
      collect() {
        this.reset();
        for (const e of running()) this.inc({ query: queryLabel(e) }, value(e));
      },
    });
  const gauge = (name: string, help: string, value: (p: StreamingQueryProgress) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ["query"],
      registers: [registry],
      collect() {
        this.reset();
        for (const e of running()) {
          const p = last(e);
          const v = p ? value(p) : undefined;
          if (v !== undefined && Number.isFinite(v)) this.set({ query: queryLabel(e) }, v);
        }
      },
    });
  counter("skp_query_input_rows_total", "Rows read by the query, over all its batches.", (e) => e.totals.inputRows);
  counter("skp_query_batches_total", "Micro-batches the query has run.", (e) => e.totals.batches);
  counter("skp_rows_dropped_by_watermark_total", "Rows dropped as late by the watermark.", (e) => e.totals.droppedByWatermark);
  counter("skp_rows_malformed_total", "Rows parseJson could not parse (nulled, dropped or quarantined).", (e) => e.totals.malformed);
  gauge("skp_query_input_rows_per_second", "Input rate of the last batch.", (p) => p.inputRowsPerSecond);
  gauge("skp_query_processed_rows_per_second", "Processing rate of the last batch.", (p) => p.processedRowsPerSecond);
  gauge("skp_query_batch_duration_seconds", "Duration of the last batch.", (p) => p.batchDuration / 1000);
  gauge("skp_query_watermark_seconds", "The watermark, as epoch seconds.", (p) =>
    p.eventTime.watermark === undefined ? undefined : Date.parse(p.eventTime.watermark) / 1000,
  );
  new Gauge({
    name: "skp_state_rows",
    help: "Rows in the state of each stateful operator.",
    labelNames: ["query", "operator"],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of running())
        for (const s of last(e)?.stateOperators ?? []) this.set({ query: queryLabel(e), operator: s.operatorName }, s.numRowsTotal);
    },
  });
  new Gauge({
    name: "skp_kafka_partition_lag",
    help: "Offsets of a Kafka partition not yet read (log end minus the last batch's end).",
    labelNames: ["query", "topic", "partition"],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of running())
        for (const source of last(e)?.sources ?? [])
          for (const r of partitionsOf(source))
            if (r.lag !== null) this.set({ query: queryLabel(e), topic: r.topic, partition: String(r.partition) }, r.lag);
    },
  });
  return registry;
}
