import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { CheckerName } from "../checkers/types.ts";
import { figureRows, INFORMATIONAL_MARK } from "./figureRows.ts";
import { checkerList, type RunResult } from "./result.ts";
import { describeServer } from "./serverText.ts";
import { settingPairs } from "./sutSettings.ts";
import { informationalNote, verdictWithNote } from "./verdictNote.ts";

const require = createRequire(import.meta.url);

/** The charting code inlined into every report, so it opens from disk with no network. */
export interface HtmlAssets {
  chartJs: string;
  annotation: string;
}

/** Reads Chart.js and its annotation plugin (UMD builds) from the installed packages. */
export function loadHtmlAssets(): HtmlAssets {
  return {
    chartJs: readFileSync(join(dirname(require.resolve("chart.js")), "chart.umd.min.js"), "utf8"),
    annotation: readFileSync(
      join(dirname(require.resolve("chartjs-plugin-annotation")), "chartjs-plugin-annotation.min.js"),
      "utf8",
    ),
  };
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

/** JSON safe to put inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function summaryRows(result: RunResult): string {
  if (result.app) return appSummaryRows(result);
  const c = result.counts;
  const by = (checker: CheckerName, label: string) =>
    result.checkers[checker]?.informational ? `${label}${INFORMATIONAL_MARK}` : label;
  const finalState = result.checkers["final-state"]?.figures;
  const rows: [string, string | number][] = [
    ["verdict", verdictWithNote(result, "see the checkers below")],
    ["server", describeServer(result.server)],
    [
      "scheduler",
      `${result.sut ? `${result.sut.adapter} ${result.sut.version}` : result.environment.scheduler}${result.environment.schedulerSource ? ` from ${result.environment.schedulerSource}` : ""}${result.sut ? `, wiring ${result.sut.wiring}` : ""}`,
    ],
    ["seed", result.seed],
    result.incomplete
      ? [
          "jobs accepted / completed / unfinished (run cut short, not judged)",
          `${c.accepted} / ${c.completed} / ${c.unfinished ?? 0}`,
        ]
      : [by("lost-jobs", "jobs accepted / completed / lost"), `${c.accepted} / ${c.completed} / ${c.lost}`],
    ...(finalState
      ? [
          [by("final-state", "final states the ledger contradicts"), finalState.contradicted] as [
            string,
            number,
          ],
        ]
      : []),
    [
      by("re-executions", "double executions / runs after success"),
      `${c.doubleExecutions} / ${c.runsAfterSuccess}`,
    ],
    [by("recovery-time", "kills / recovered"), `${c.kills} / ${c.recovered}`],
    ["throughput", result.throughput.jobsPerSec === null ? "n/a" : `${result.throughput.jobsPerSec} jobs/s`],
    ["duration", `${(result.durationMs / 1000).toFixed(1)} s`],
  ];
  if (c.kills > 0) {
    rows.push([
      "recovery p50 / max (bound)",
      `${result.recovery.p50Ms ?? "n/a"} / ${result.recovery.maxMs ?? "n/a"} ms (${result.recovery.boundMs} ms)`,
    ]);
  }
  return rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`).join("");
}

/** App mode: the service and the figures the terminal shows, in the same words. */
function appSummaryRows(result: RunResult): string {
  const rows: [string, string | number][] = [
    ["verdict", verdictWithNote(result, "see the checkers below")],
    ["server", describeServer(result.server)],
    ["seed", result.seed],
    ...figureRows(result),
  ];
  return rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`).join("");
}

/** App mode: how the service was started and stopped, and what its dependency tree holds. */
function appSection(result: RunResult): string {
  const app = result.app;
  if (!app) return "";
  const deps = app.dependencies;
  const stops = app.stopTimes
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.proc)}</td><td>${s.ms} ms</td><td>${escapeHtml(s.exit)}${s.killed ? " (SIGKILLed after the grace period)" : ""}</td></tr>`,
    )
    .join("");
  const crashes = app.crashes.map((c) => `<li>${escapeHtml(`${c.proc} ${c.exit}: ${c.log}`)}</li>`).join("");
  const packages = (deps?.packages ?? [])
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.version)}</td><td>${escapeHtml(p.path)}</td></tr>`,
    )
    .join("");
  return `<h2>Service under test: ${escapeHtml(app.command ? `${app.instances} × ${app.command}` : `${app.instances} instances at ${(app.urls ?? []).join(", ")}`)}</h2>
<p class="note">API description ${escapeHtml(app.api)}${app.cwd ? `, in ${escapeHtml(app.cwd)}` : ""}; ${app.watchedBy === "stream" ? `job documents watched through a change stream, asked again every ${app.sampleEveryMs} ms when quiet` : `job documents read every ${app.sampleEveryMs} ms`} (longest gap ${app.maxGapMs ?? "n/a"} ms)${app.watchNote ? `; ${escapeHtml(app.watchNote)}` : ""}.</p>
${(deps?.warnings ?? []).map((w) => `<p class="banner fail">${escapeHtml(w)}</p>`).join("\n")}
${stops ? `<table id="stops"><tr><th>instance</th><th>SIGTERM to exit</th><th>how it ended</th></tr>${stops}</table>` : ""}
${crashes ? `<p>Instances that exited on their own:</p><ul>${crashes}</ul>` : ""}
${packages ? `<table id="packages"><tr><th>package</th><th>version</th><th>where</th></tr>${packages}</table>` : ""}`;
}

/**
 * The scheduler under test as the run built it: its wiring and the effective settings of the
 * scheduler and of its store, read from the built instances (the terminal prints the same).
 */
function sutSection(result: RunResult): string {
  const sut = result.sut;
  if (!sut) return "";
  const head = `<h2>Scheduler under test: ${escapeHtml(sut.adapter)} ${escapeHtml(sut.version)}, wiring ${escapeHtml(sut.wiring)}</h2>`;
  if (!sut.effective) {
    return `${head}\n<p class="note">No effective settings: the run ended before the scheduler was built.</p>`;
  }
  const part = (title: string, settings: Record<string, unknown>) =>
    `<tr><th colspan="2">${escapeHtml(title)}</th></tr>${settingPairs(settings)
      .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`)
      .join("")}`;
  return `${head}
<p class="note">Read from the built instances, not from the scenario: the recovery bound and every timing check use the scheduler's settings.</p>
<table id="sut-settings">${part("scheduler", sut.effective.scheduler)}${part("store", sut.effective.store)}</table>`;
}

function checkerRows(result: RunResult): string {
  return checkerList(result)
    .map((r) => {
      const violations = r.violations
        .slice(0, 20)
        .map((v) => `<li>${escapeHtml(v.message)}</li>`)
        .join("");
      const more =
        r.violations.length > 20 ? `<li>… ${r.violations.length - 20} more in result.json</li>` : "";
      return `<tr class="${r.verdict}"><td>${escapeHtml(r.name)}${r.informational ? " <em>(informational)</em>" : ""}</td><td class="verdict">${r.verdict.toUpperCase()}${r.informational ? " <em>(informational, not in the verdict)</em>" : ""}</td><td>${escapeHtml(r.summary)}${r.note ? `<br><em>${escapeHtml(r.note)}</em>` : ""}${violations ? `<ul>${violations}${more}</ul>` : ""}</td></tr>`;
    })
    .join("");
}

/**
 * The HTML report of a run: a pure function of result.json (and the charting code, inlined).
 * Throughput per second with every fault marked, the executions per worker process in time
 * (kills and re-executions stand out), latency distributions, start order by priority,
 * executions alive per limited name, and each worker's sampled resources (a soak).
 */
export function renderHtml(result: RunResult, assets: HtmlAssets): string {
  const title = `${result.scenario} — ${result.verdict.toUpperCase()} — ${result.startedAt}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2430; background: #fafbfc; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
tr.pass .verdict { color: #17803d; font-weight: 600; } tr.fail .verdict { color: #c62828; font-weight: 600; } tr.unknown .verdict { color: #b26a00; font-weight: 600; }
.chart { position: relative; height: 320px; max-width: 1100px; background: #fff; border: 1px solid #e3e6ea; padding: 8px; margin: 8px 0; }
.chart.tall { height: 420px; }
.pair { display: flex; gap: 12px; max-width: 1120px; } .pair .chart { flex: 1; height: 260px; }
.note { color: #5a6472; }
.banner { padding: 8px 12px; border-radius: 4px; display: inline-block; font-weight: 600; }
.banner.pass { background: #e6f4ea; color: #17803d; } .banner.fail { background: #fdecea; color: #c62828; } .banner.unknown { background: #fff4e0; color: #b26a00; }
</style>
</head>
<body>
<h1>${escapeHtml(result.scenario)}: <span class="banner ${result.verdict}">${result.verdict.toUpperCase()}</span></h1>${informationalNote(result) ? `\n<p class="note">${escapeHtml(verdictWithNote(result, "see the checkers below"))}</p>` : ""}
<p class="note">${escapeHtml(result.description)}. Started ${escapeHtml(result.startedAt)}.${result.server.isMongoDB ? "" : ` Ran against ${escapeHtml(describeServer(result.server))}.`}${result.incomplete ? ` Run incomplete: ${escapeHtml(result.incomplete)}.` : ""}</p>
<table>${summaryRows(result)}</table>
${result.app ? appSection(result) : sutSection(result)}
<h2>Checkers</h2>
<table><tr><th>checker</th><th>verdict</th><th>summary and evidence</th></tr>${checkerRows(result)}</table>
<h2>Jobs started and completed per second</h2>
<p class="note">Vertical lines mark faults: kills (red), restarts (green), the begin (orange) and end (blue) of a fault window. Shaded bands are the fault windows: unavailable (orange: frozen, partitioned, black-holed), down (red: stopped until restarted), clock (purple: wall clock moved), degraded (blue: latency, bandwidth); a band outlined in red is a fault whose injection or heal failed.</p>
<div class="chart"><canvas id="throughput"></canvas></div>
${
  result.app
    ? ""
    : `<h2>Executions per worker process</h2>
<p class="note">One bar per handler execution. Grey: first run (or a repeat's next tick); orange: a recovery re-run after a crash; purple: a retry; red: a double execution, a re-run under a live owner or before the lock could expire, or a run after a final outcome. Dark red bars end where their process was killed.${result.timeline?.truncated ? " Only the first executions are drawn." : ""}</p>
<div class="chart tall"><canvas id="timeline"></canvas></div>`
}
<h2>Latency</h2>
<p class="note">From the moment the trigger server accepted a job to its first start, and how long each execution ran.</p>
<div class="pair"><div class="chart"><canvas id="enqueue"></canvas></div><div class="chart"><canvas id="runtime"></canvas></div></div>
<div id="priority-section" hidden><h2>Start order by priority</h2><p class="note">When each job first started, by its priority (1 is the highest).</p><div class="chart"><canvas id="priority"></canvas></div></div>
<div id="samples-section" hidden><h2>Worker resources</h2><p class="note">Every worker process's samples over time, one line per process run (a restarted process draws a new line); the shaded bands are the fault windows, as above. The growth checker fits each series' slope over the second half of the run.</p><div class="pair"><div class="chart"><canvas id="sample-rssMb"></canvas></div><div class="chart"><canvas id="sample-heapUsedMb"></canvas></div></div><div class="pair"><div class="chart"><canvas id="sample-loopDelayP99Ms"></canvas></div><div class="chart"><canvas id="sample-connections"></canvas></div></div></div>
<div id="concurrency-section" hidden><h2>Executions alive per limited job name</h2><p class="note">Dashed lines are the limits.</p><div class="chart"><canvas id="concurrency"></canvas></div></div>
<script>${assets.chartJs}</script>
<script>${assets.annotation}</script>
<script id="result" type="application/json">${scriptJson(result)}</script>
<script>
${clientScript}
</script>
</body>
</html>
`;
}

/** Runs in the page: draws the charts from the embedded result. */
const clientScript = `
const result = JSON.parse(document.getElementById("result").textContent);
const tl = result.timeline;
const faultColour = { kill: "#c62828", restart: "#2e7d32", begin: "#ef6c00", end: "#1565c0" };
const classColour = { first: "#90a4ae", repeat: "#90a4ae", recovery: "#fb8c00", retry: "#8e24aa", "double-execution": "#d50000", stall: "#d50000", "lock-not-honoured": "#d50000", "run-after-success": "#d50000", "run-after-failure": "#d50000" };
const secs = (ms) => ms / 1000;
function faultLines(withLabels) {
  const out = {};
  // Each fault window as a shaded band over its time, labelled with the fault and the processes it hit.
  const windowColour = { unavailable: "rgba(239,108,0,0.13)", down: "rgba(198,40,40,0.10)", clock: "rgba(106,27,154,0.10)", degraded: "rgba(21,101,192,0.08)" };
  ((result.faults && result.faults.windows) || []).forEach((w, i) => {
    if (!tl) return;
    out["w" + i] = { type: "box", xMin: secs(w.start - tl.t0), xMax: secs((w.end === null ? result.runEndedAt : w.end) - tl.t0),
      backgroundColor: windowColour[w.effect] || "rgba(0,0,0,0.06)", borderWidth: w.error ? 2 : 0, borderColor: "#b71c1c",
      label: withLabels ? { display: true, content: w.fault + " " + w.procs.join(",") + (w.error ? " (FAILED)" : ""), position: { x: "center", y: "end" }, font: { size: 10 } } : undefined };
  });
  (tl ? tl.faults : []).forEach((f, i) => {
    out["f" + i] = { type: "line", xMin: secs(f.t), xMax: secs(f.t), borderColor: faultColour[f.action] || "#333", borderWidth: 2,
      label: withLabels ? { display: true, content: (f.action === "begin" || f.action === "end" ? f.fault + " " + f.action : f.action) + " " + f.proc, position: "start", font: { size: 10 } } : undefined };
  });
  return out;
}
Chart.defaults.animation = false;
if (tl) {
  new Chart(document.getElementById("throughput"), {
    type: "line",
    data: { labels: tl.started.map((_, i) => secs(i * tl.bucketMs)),
      datasets: [ { label: "started / s", data: tl.started.map((v, i) => ({ x: secs(i * tl.bucketMs), y: v * 1000 / tl.bucketMs })), borderColor: "#1565c0", pointRadius: 0, stepped: true },
                  { label: "completed / s", data: tl.completed.map((v, i) => ({ x: secs(i * tl.bucketMs), y: v * 1000 / tl.bucketMs })), borderColor: "#2e7d32", pointRadius: 0, stepped: true } ] },
    options: { maintainAspectRatio: false, scales: { x: { type: "linear", title: { display: true, text: "seconds since the run started" } }, y: { beginAtZero: true, title: { display: true, text: "per second" } } },
      plugins: { annotation: { annotations: faultLines(true) } } },
  });
  if (document.getElementById("timeline")) new Chart(document.getElementById("timeline"), {
    type: "bar",
    data: { labels: tl.lanes, datasets: [{ label: "executions", data: tl.executions.map((e) => ({ x: [secs(e.start), secs(e.stop)], y: tl.lanes[e.lane], e })),
      backgroundColor: tl.executions.map((e) => (e.died ? "#7f0000" : classColour[e.class] || "#90a4ae")), borderSkipped: false, barPercentage: 0.9, categoryPercentage: 1 }] },
    options: { indexAxis: "y", maintainAspectRatio: false, grouped: false,
      scales: { x: { type: "linear", title: { display: true, text: "seconds since the run started" } }, y: { stacked: true } },
      plugins: { legend: { display: false }, annotation: { annotations: faultLines(false) },
        tooltip: { callbacks: { label: (ctx) => { const e = ctx.raw.e; return e.name + " " + e.jobId + " (priority " + e.priority + ", " + e.class + (e.died ? ", killed" : "") + "): " + secs(e.start).toFixed(2) + "–" + secs(e.stop).toFixed(2) + " s"; } } } } },
  });
  const histogram = (id, h, label, colour) => {
    if (!h) return;
    const labels = h.counts.map((_, i) => i * h.binMs + "–" + (i + 1) * h.binMs);
    if (h.over) labels.push("> " + h.counts.length * h.binMs);
    new Chart(document.getElementById(id), {
      type: "bar",
      data: { labels, datasets: [{ label, data: h.over ? [...h.counts, h.over] : h.counts, backgroundColor: colour }] },
      options: { maintainAspectRatio: false, scales: { x: { title: { display: true, text: "milliseconds" } }, y: { beginAtZero: true, title: { display: true, text: "executions" } } } },
    });
  };
  histogram("enqueue", tl.enqueueToStart, "enqueue to first start", "#1565c0");
  histogram("runtime", tl.runTime, "run time of each execution", "#2e7d32");
  if (result.checkers["priority-order"]) {
    document.getElementById("priority-section").hidden = false;
    const firsts = tl.executions.filter((e) => e.class === "first");
    new Chart(document.getElementById("priority"), {
      type: "scatter",
      data: { datasets: [{ label: "first start", data: firsts.map((e) => ({ x: secs(e.start), y: e.priority })), backgroundColor: firsts.map((e) => (e.name === firsts[0].name ? "#1565c0" : "#ef6c00")), pointRadius: 2 }] },
      options: { maintainAspectRatio: false, scales: { x: { title: { display: true, text: "seconds since the run started" } }, y: { reverse: true, min: 1, max: 10, title: { display: true, text: "priority" } } } },
    });
  }
  if (tl.samples && tl.samples.length) {
    document.getElementById("samples-section").hidden = false;
    const palette = ["#1565c0", "#2e7d32", "#ef6c00", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#546e7a"];
    const metrics = { rssMb: "RSS (MB)", heapUsedMb: "heap used (MB)", loopDelayP99Ms: "event-loop delay p99 (ms)", connections: "open connections to MongoDB" };
    Object.entries(metrics).forEach(([key, label]) => {
      new Chart(document.getElementById("sample-" + key), {
        type: "line",
        data: { datasets: tl.samples.map((s, i) => ({ label: s.proc + " " + s.instance.split("/").pop(), data: s.t.map((t, k) => ({ x: secs(t), y: s[key][k] })), borderColor: palette[i % palette.length], pointRadius: 0, borderWidth: 1.5 })) },
        options: { maintainAspectRatio: false, scales: { x: { type: "linear", title: { display: true, text: "seconds since the run started" } }, y: { beginAtZero: key !== "rssMb", title: { display: true, text: label } } },
          plugins: { legend: { labels: { boxWidth: 10, font: { size: 10 } } }, annotation: { annotations: faultLines(false) } } },
      });
    });
  }
  const names = Object.keys(tl.concurrency);
  if (names.length) {
    document.getElementById("concurrency-section").hidden = false;
    const palette = ["#1565c0", "#2e7d32", "#ef6c00", "#8e24aa", "#c62828"];
    const annotations = {};
    names.forEach((n, i) => { annotations["l" + i] = { type: "line", yMin: tl.concurrency[n].limit, yMax: tl.concurrency[n].limit, borderColor: palette[i % 5], borderDash: [6, 4], borderWidth: 1 }; });
    new Chart(document.getElementById("concurrency"), {
      type: "line",
      data: { datasets: names.map((n, i) => ({ label: n + " (limit " + tl.concurrency[n].limit + ")", data: tl.concurrency[n].steps.map((s) => ({ x: secs(s.t), y: s.alive })), borderColor: palette[i % 5], stepped: true, pointRadius: 0 })) },
      options: { maintainAspectRatio: false, scales: { x: { type: "linear", title: { display: true, text: "seconds since the run started" } }, y: { beginAtZero: true, title: { display: true, text: "executions alive" } } }, plugins: { annotation: { annotations } } },
    });
  }
}
`;
