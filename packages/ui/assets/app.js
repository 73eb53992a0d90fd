// @ts-nocheck — runs in the browser, beside uPlot's global; tested in Chromium (test/browser.test.ts).
// The dashboard: one card per query run, from server-sent events (/api/events): a snapshot, then
// started / progress / terminated. Charts are uPlot; nothing is loaded from outside the process.
(() => {
  const KEEP = 300; // batches per chart
  const runs = new Map(); // runId -> { summary, progress: [], el, charts: Map<key, { plot, series }> }
  const root = document.getElementById("queries");
  const connection = document.getElementById("connection");
  window.__skpUi = { runs };

  const t = (p) => Date.parse(p.timestamp) / 1000;
  const text = (tag, cls, content) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined) e.textContent = content;
    return e;
  };
  const fmt = (n) => (typeof n === "number" ? n.toLocaleString("en-US", { maximumFractionDigits: 1 }) : "—");

  /** The charts of a query: each a title, and series computed from the progress list. */
  const CHARTS = [
    {
      key: "rates",
      title: "Input rate (left) vs processing rate (right), rows/s",
      series: () => ["input", "processing"],
      // Processing is often 100× the input rate: each on its own axis, or the input reads as zero.
      right: "processing",
      values: (ps) => [ps.map((p) => p.inputRowsPerSecond), ps.map((p) => p.processedRowsPerSecond)],
    },
    {
      key: "durations",
      title: "Batch duration by phase (ms)",
      series: (ps) => [...new Set(ps.flatMap((p) => Object.keys(p.durationMs)))].sort(),
      values: (ps, names) => names.map((n) => ps.map((p) => p.durationMs[n] ?? null)),
    },
    {
      key: "watermark",
      title: "Watermark and event-time lag (s behind the batch)",
      series: () => ["watermark lag", "max event time lag"],
      values: (ps) => [
        // A watermark of 0 (the epoch) is one no event has set yet: no lag to show.
        ps.map((p) => (Date.parse(p.eventTime.watermark ?? "") > 0 ? t(p) - Date.parse(p.eventTime.watermark) / 1000 : null)),
        ps.map((p) => (p.eventTime.max ? t(p) - Date.parse(p.eventTime.max) / 1000 : null)),
      ],
    },
    {
      key: "state",
      title: "State rows per operator",
      series: (ps) => [...new Set(ps.flatMap((p) => p.stateOperators.map((s) => s.operatorName)))],
      values: (ps, names) => names.map((n) => ps.map((p) => p.stateOperators.find((s) => s.operatorName === n)?.numRowsTotal ?? null)),
    },
    {
      key: "dropped",
      title: "Rows dropped by the watermark, malformed rows (per batch)",
      series: () => ["dropped by watermark", "malformed"],
      values: (ps) => [
        ps.map((p) => p.stateOperators.reduce((n, s) => n + s.numRowsDroppedByWatermark, 0)),
        ps.map((p) => p.numRowsMalformed ?? 0),
      ],
    },
  ];
  const COLORS = ["#2f6fde", "#e8590c", "#12805c", "#9c36b5", "#c92a2a", "#5c940d", "#1098ad", "#f08c00"];

  function card(summary) {
    const el = text("section", "query");
    el.dataset.queryId = summary.id;
    el.dataset.runId = summary.runId;
    const h = text("h2");
    h.append(text("span", "name", summary.name ?? summary.id), text("span", "badge"));
    const facts = text("div", "facts");
    const charts = text("div", "charts");
    el.append(h, facts, text("div", "error"), charts, text("div", "partitions"));
    root.append(el);
    document.getElementById("empty")?.remove();
    return { el, facts };
  }

  /** Redraws what changed, once per animation frame at most (and not at all in a hidden tab). */
  const dirty = new Set();
  let frame = 0;
  function requestRender() {
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      for (const run of dirty) render(run);
      dirty.clear();
    });
  }

  function upsert(summary, progress, now = true) {
    let run = runs.get(summary.runId);
    if (!run) {
      run = { summary, progress: [], charts: new Map(), ...card(summary) };
      runs.set(summary.runId, run);
    }
    run.summary = { ...run.summary, ...summary, lastProgress: summary.lastProgress ?? run.summary.lastProgress };
    if (progress) run.progress.push(...progress);
    if (run.progress.length > KEEP) run.progress.splice(0, run.progress.length - KEEP);
    if (now) render(run);
    else dirty.add(run);
    return run;
  }

  function render(run) {
    const s = run.summary;
    const last = run.progress.at(-1) ?? s.lastProgress;
    const badge = run.el.querySelector(".badge");
    const status = s.isActive ? "active" : s.exception ? "failed" : "stopped";
    badge.textContent = status;
    badge.className = `badge ${status}`;
    const facts = [
      ["id", s.id],
      ["run", s.runId],
      ["trigger", s.trigger],
      ["batch", last ? String(last.batchId) : "—"],
      ["batches", fmt(s.totals.batches)],
      ["input rows", fmt(s.totals.inputRows)],
      ["sources", (last?.sources ?? []).map((x) => x.description).join(", ") || "—"],
      ["sink", last?.sink.description ?? "—"],
      ["watermark", last?.eventTime.watermark ?? "—"],
    ];
    run.facts.replaceChildren(
      ...facts.map(([k, v]) => {
        const d = text("div", `fact-${k.replace(/ /g, "-")}`);
        d.append(text("b", "", `${k}: `), text("span", "value", v));
        return d;
      }),
    );
    run.el.querySelector(".error").textContent = s.exception ?? "";
    for (const def of CHARTS) drawChart(run, def);
    drawPartitions(run, s.partitions ?? []);
  }

  function drawChart(run, def) {
    const ps = run.progress;
    const names = def.series(ps);
    const data = [ps.map(t), ...def.values(ps, names)];
    let chart = run.charts.get(def.key);
    if (chart && chart.names.join("\u0000") !== names.join("\u0000")) {
      chart.plot.destroy();
      chart.box.remove();
      chart = undefined;
    }
    if (!chart) {
      const box = text("div", "chart");
      box.dataset.chart = def.key;
      box.append(text("h3", "", def.title));
      run.el.querySelector(".charts").append(box);
      const width = Math.max(360, Math.floor(box.clientWidth || 420));
      const opts = {
        width,
        height: 180,
        legend: { live: false },
        series: [
          {},
          ...names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true, scale: n === def.right ? "r" : "y" })),
        ],
        axes: [{}, { size: 60 }, ...(def.right ? [{ scale: "r", side: 1, size: 60, grid: { show: false } }] : [])],
      };
      chart = { plot: new uPlot(opts, data, box), names, box };
      run.charts.set(def.key, chart);
    } else chart.plot.setData(data);
  }

  function drawPartitions(run, rows) {
    const box = run.el.querySelector(".partitions");
    if (rows.length === 0) return box.replaceChildren();
    const table = text("table");
    const head = text("tr");
    for (const c of ["Kafka partition", "offset", "log end", "lag"]) head.append(text("th", "", c));
    table.append(head);
    for (const r of rows) {
      const tr = text("tr");
      for (const v of [`${r.topic}-${r.partition}`, fmt(r.offset), fmt(r.latest), fmt(r.lag)]) tr.append(text("td", "", v));
      table.append(tr);
    }
    box.replaceChildren(table);
  }

  const events = new EventSource("/api/events");
  events.onopen = () => {
    connection.textContent = "live";
  };
  events.onerror = () => {
    connection.textContent = "reconnecting…";
  };
  events.addEventListener("snapshot", (e) => {
    for (const q of JSON.parse(e.data)) {
      const known = runs.get(q.runId);
      if (known) known.progress = [];
      upsert(q, q.recentProgress);
    }
  });
  events.addEventListener("started", (e) => upsert(JSON.parse(e.data), []));
  events.addEventListener("progress", (e) => {
    for (const d of JSON.parse(e.data)) upsert({ ...d, lastProgress: d.progress }, [d.progress], false);
    requestRender();
  });
  events.addEventListener("terminated", (e) => upsert(JSON.parse(e.data), null));
})();
