import { escapeHtml, type HtmlAssets, scriptJson } from "../report/html.ts";
import type { BenchResult } from "./benchResult.ts";

/**
 * The HTML report of a bench: a pure function of its result.json, charting code inlined. Drain
 * throughput per cell (median, with the range of the repetitions), and per setup the scheduler
 * beside the raw claim loop and the ledger-off run.
 */
export function renderBenchHtml(result: BenchResult, assets: HtmlAssets): string {
  const rows = result.setups
    .map(
      (s) =>
        `<tr><td>${s.setup.processes}×${s.setup.workersPerProcess}</td><td>${s.efficiency === null ? "n/a" : `${(s.efficiency * 100).toFixed(1)}%`}</td><td>${s.ledgerOverhead === null ? "n/a" : `${(s.ledgerOverhead * 100).toFixed(1)}%`}</td><td>${s.headroom === null ? "n/a" : `${s.headroom}×`}</td><td>${s.eventLoopDelayMs ? `${s.eventLoopDelayMs.p99} ms` : "n/a"}</td></tr>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bench ${escapeHtml(result.matrix)} — ${escapeHtml(result.startedAt)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2430; background: #fafbfc; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; } .note { color: #5a6472; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e3e6ea; }
.chart { position: relative; height: 360px; max-width: 1100px; background: #fff; border: 1px solid #e3e6ea; padding: 8px; margin: 8px 0; }
</style></head>
<body>
<h1>bench ${escapeHtml(result.matrix)}: ${result.verdict.toUpperCase()}</h1>
<p class="note">${escapeHtml(result.server.provider)} ${escapeHtml(result.server.version)}${result.server.isMongoDB ? "" : " — the Java stand-in: these are not MongoDB figures"}; scheduler ${escapeHtml(result.environment.scheduler)}, Node ${escapeHtml(result.environment.node)}, ${result.environment.cpus} CPUs, ${result.repeats} repetitions per cell.</p>
${result.problems.map((p) => `<p><strong>problem:</strong> ${escapeHtml(p)}</p>`).join("")}
<h2>Drain throughput per cell</h2>
<p class="note">Bars span the lowest to the highest repetition; the dark line is the median.</p>
<div class="chart"><canvas id="cells"></canvas></div>
<h2>The scheduler beside its baselines</h2>
<p class="note">Plain backlog drained by the scheduler (ledger on), by the scheduler with the ledger off, and by a raw findOneAndUpdate claim loop, each the median with its range.</p>
<div class="chart"><canvas id="setups"></canvas></div>
<table><tr><th>setup</th><th>efficiency vs raw claim</th><th>ledger on / off</th><th>enqueue headroom</th><th>event-loop delay p99</th></tr>${rows}</table>
<script>${assets.chartJs}</script>
<script id="result" type="application/json">${scriptJson(result)}</script>
<script>
const r = JSON.parse(document.getElementById("result").textContent);
Chart.defaults.animation = false;
const drains = r.cells.filter((c) => c.jobsPerSec);
// A range bar and, over it, a thin bar at the median (same x: grouped off).
function rangeChart(id, labels, spreads, colours) {
  new Chart(document.getElementById(id), {
    type: "bar",
    data: { labels, datasets: [
      { label: "median", data: spreads.map((s) => (s ? [s.median * 0.995, s.median * 1.005] : null)), backgroundColor: "#0d47a1", barPercentage: 0.7 },
      { label: "range of the repetitions", data: spreads.map((s) => (s ? [s.min, s.max] : null)), backgroundColor: colours, barPercentage: 0.7 },
    ] },
    options: { maintainAspectRatio: false, grouped: false, scales: { y: { beginAtZero: true, title: { display: true, text: "jobs per second" } } },
      plugins: { tooltip: { callbacks: { label: (ctx) => { const s = spreads[ctx.dataIndex]; return s ? "median " + s.median + ", range " + s.min + "–" + s.max : "n/a"; } } } } },
  });
}
rangeChart("cells", drains.map((c) => c.id), drains.map((c) => c.jobsPerSec), "#90caf9");
const kinds = [["schedulerJobsPerSec", "scheduler", "#90caf9"], ["ledgerOffJobsPerSec", "scheduler, ledger off", "#d1c4e9"], ["rawClaimJobsPerSec", "raw claim loop", "#e0e0e0"]];
const bars = r.setups.flatMap((s) => kinds.map(([k, label, colour]) => ({ label: s.setup.processes + "×" + s.setup.workersPerProcess + " " + label, spread: s[k], colour })));
rangeChart("setups", bars.map((b) => b.label), bars.map((b) => b.spread), bars.map((b) => b.colour));
</script>
</body></html>
`;
}
