import { escapeHtml, type HtmlAssets, scriptJson } from "../../report/html.ts";
import { describeServer } from "../../report/serverText.ts";
import type { BenchResult } from "../result.ts";
import { renderBench } from "./benchViews.ts";

/**
 * The HTML report of a bench: a pure function of its result.json, charting code inlined. The sweep
 * (latency against offered load, the sustainable throughput marked as the knee), the scaling curve,
 * each variant's drain throughput per repetition, and the terminal view verbatim.
 */
export function renderBenchHtml(result: BenchResult, assets: HtmlAssets): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bench ${escapeHtml(result.matrix)} — ${escapeHtml(result.startedAt)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2430; background: #fafbfc; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; } .note { color: #5a6472; }
pre { background: #fff; border: 1px solid #e3e6ea; padding: 8px; overflow-x: auto; font-size: 12px; }
.chart { position: relative; height: 360px; max-width: 1100px; background: #fff; border: 1px solid #e3e6ea; padding: 8px; margin: 8px 0; }
</style></head>
<body>
<h1>bench ${escapeHtml(result.matrix)}: ${result.verdict.toUpperCase()}</h1>
<p class="note">${escapeHtml(result.server.provider)}: ${escapeHtml(describeServer(result.server))}; ${result.fingerprint.cpuCount} × ${escapeHtml(result.fingerprint.cpuModel)}, Node ${escapeHtml(result.environment.node)}, driver ${escapeHtml(result.environment.driver)}, seed ${result.seed}.</p>
${
  result.sweep
    ? `<h2>Latency against offered load (sweep of ${escapeHtml(result.sweep.variant)})</h2>
<p class="note">Enqueue-to-start and enqueue-to-complete p99 from the intended send time, log scale, and the share of planned jobs not done by the window's end. Steps where the generator fell behind (invalid) are drawn as crosses. The dashed line marks the sustainable throughput: ${result.sweep.sustainablePerSec === null ? "none found" : `${result.sweep.sustainablePerSec} jobs/s`} (${escapeHtml(result.sweep.criterion)}).</p>
<div class="chart"><canvas id="sweep"></canvas></div>`
    : ""
}
${result.scaling ? `<h2>Scaling: jobs/s against worker processes (${result.scaling.workersPerProcess} workers each)</h2><div class="chart"><canvas id="scaling"></canvas></div>` : ""}
<h2>Drain throughput, every repetition</h2>
<p class="note">One point per repetition, in the interleaved order they ran; the line is the median.</p>
<div class="chart"><canvas id="drains"></canvas></div>
<h2>The figures</h2>
<pre>${escapeHtml(renderBench(result))}</pre>
<script>${assets.chartJs}</script>
<script>${assets.annotation}</script>
<script id="result" type="application/json">${scriptJson(result)}</script>
<script>
const r = JSON.parse(document.getElementById("result").textContent);
Chart.defaults.animation = false;
const colours = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f"];
if (r.sweep) {
  const steps = r.sweep.steps;
  const knee = r.sweep.sustainablePerSec;
  const marks = { pointStyle: steps.map((s) => (s.valid ? "circle" : "crossRot")), pointRadius: steps.map((s) => (s.valid ? 3 : 8)) };
  new Chart(document.getElementById("sweep"), {
    type: "line",
    data: { datasets: [
      { label: "start p99 ms", data: steps.map((s) => ({ x: s.offeredPerSec, y: s.enqueueToStart ? Math.max(1, s.enqueueToStart.p99) : null })), borderColor: colours[0], yAxisID: "y", ...marks },
      { label: "complete p99 ms", data: steps.map((s) => ({ x: s.offeredPerSec, y: s.enqueueToComplete ? Math.max(1, s.enqueueToComplete.p99) : null })), borderColor: colours[1], yAxisID: "y", ...marks },
      { label: "not done %", data: steps.map((s) => ({ x: s.offeredPerSec, y: s.notDonePct })), borderColor: "#9e9e9e", borderDash: [4, 4], yAxisID: "pct" },
    ] },
    options: { maintainAspectRatio: false, parsing: true,
      scales: { x: { type: "linear", title: { display: true, text: "offered jobs per second" } },
        y: { type: "logarithmic", title: { display: true, text: "ms (log; 0 drawn as 1)" } },
        pct: { position: "right", min: 0, max: 100, title: { display: true, text: "% not done in window" }, grid: { drawOnChartArea: false } } },
      plugins: { annotation: { annotations: knee ? { knee: { type: "line", xMin: knee, xMax: knee, borderColor: "#000", borderDash: [6, 4], label: { display: true, content: "sustainable " + knee + "/s" } } } : {} } } },
  });
}
if (r.scaling) {
  const pts = r.scaling.points.filter((p) => p.jobsPerSec);
  new Chart(document.getElementById("scaling"), {
    type: "line",
    data: { datasets: [
      { label: "jobs/s (median)", data: pts.map((p) => ({ x: p.processes, y: p.jobsPerSec.median })), borderColor: colours[0] },
      { label: "95% CI low", data: pts.map((p) => ({ x: p.processes, y: p.jobsPerSec.ci[0] })), borderColor: "#90caf9", borderDash: [3, 3] },
      { label: "95% CI high", data: pts.map((p) => ({ x: p.processes, y: p.jobsPerSec.ci[1] })), borderColor: "#90caf9", borderDash: [3, 3] },
      { label: "jobs/s per worker", data: pts.map((p) => ({ x: p.processes, y: p.perWorkerPerSec })), borderColor: colours[2] },
    ] },
    options: { maintainAspectRatio: false, scales: { x: { type: "linear", title: { display: true, text: "worker processes" } }, y: { beginAtZero: true } } },
  });
}
const drains = r.figures.filter((f) => f.figure === "drain jobs/s");
new Chart(document.getElementById("drains"), {
  type: "scatter",
  data: { datasets: drains.flatMap((f, i) => [
    { label: f.variant, data: f.runs.map((v, k) => ({ x: k + 1, y: v })), backgroundColor: colours[i % colours.length] },
    ...(f.estimate ? [{ type: "line", label: f.variant + " median", data: [{ x: 1, y: f.estimate.median }, { x: f.runs.length, y: f.estimate.median }], borderColor: colours[i % colours.length], pointRadius: 0 }] : []),
  ]) },
  options: { maintainAspectRatio: false, scales: { x: { title: { display: true, text: "repetition" } }, y: { beginAtZero: true, title: { display: true, text: "jobs per second" } } } },
});
</script>
</body></html>
`;
}
