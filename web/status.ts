// The status page's script: polls /status.json every second and draws each data path's verdict (from
// its alarm rules), its figures as words and units, its charts of the last minutes with uPlot, the
// engine's nodes and the listener's health.
import uPlot from "uplot";

interface Figure {
  name: string;
  label: string;
  unit: string;
  latest: number | null;
  total: number | null;
}

interface Node {
  url: string;
  role: string;
  memory?: string;
  opsPerSecond?: number;
  clients?: number;
  error?: string;
}

interface Status {
  at: string;
  listener: { status?: string; lastError?: string | null; lastErrorAt?: string | null; [field: string]: unknown } | null;
  nodes: Node[];
  paths: {
    path: string;
    verdict: "ok" | "degraded" | "failing";
    reasons: string[];
    figures: Figure[];
    charts: { metric: string; title: string; points: [number, number | null][] }[];
  }[];
}

const plots = new Map<string, uPlot>();

const shown = (value: number | null) => (value === null ? "–" : Number.isInteger(value) ? value.toLocaleString("en") : value.toFixed(2));
const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** How long ago an ISO time was, in words. */
function ago(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return seconds < 90 ? `${seconds} s ago` : seconds < 5_400 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3_600)} h ago`;
}

function section(path: string): HTMLElement {
  let element = document.getElementById(`path-${path}`);
  if (element) return element;
  element = document.createElement("section");
  element.id = `path-${path}`;
  element.dataset.path = path;
  element.innerHTML = `<h2>${path} <span class="verdict"></span></h2><ul class="reasons"></ul><dl></dl><div class="charts"></div>`;
  document.getElementById("paths")!.append(element);
  return element;
}

function drawVerdict(element: HTMLElement, verdict: string, reasons: string[]): void {
  const badge = element.querySelector<HTMLElement>(".verdict")!;
  badge.textContent = verdict === "ok" ? "OK" : verdict;
  badge.className = `verdict ${verdict}`;
  element.dataset.verdict = verdict;
  element.querySelector(".reasons")!.innerHTML = reasons.map((r) => `<li>${escape(r)}</li>`).join("");
}

function drawFigures(element: HTMLElement, figures: Figure[]): void {
  element.querySelector("dl")!.innerHTML = figures
    .map(
      (f) =>
        `<div title="${f.name}"><dt>${escape(f.label)}</dt><dd data-metric="${f.name}" data-total="${f.total ?? ""}">${shown(f.latest)}${f.unit ? ` ${f.unit}` : ""}${
          f.total === null ? "" : ` <small>(${shown(f.total)} since start)</small>`
        }</dd></div>`,
    )
    .join("");
}

function drawNodes(nodes: Node[]): void {
  document.querySelector("#nodes tbody")!.innerHTML = nodes
    .map(
      (n) =>
        `<tr data-node="${n.url}"><td>${n.url}</td><td class="role">${n.role}</td><td>${n.memory ?? "–"}</td><td>${shown(n.opsPerSecond ?? null)}</td><td>${shown(n.clients ?? null)}</td></tr>`,
    )
    .join("");
}

/** The health file as the watchdog reads it, with the age of its last error (a failover long finished reads as such). */
function drawListener(listener: Status["listener"]): void {
  document.getElementById("listener")!.textContent = listener ? JSON.stringify(listener, null, 1) : "no health file yet";
  const lastError = document.getElementById("last-error")!;
  lastError.textContent = listener?.lastError
    ? `last error ${listener.lastErrorAt ? ago(listener.lastErrorAt) : ""}: ${listener.lastError}`
    : "no error since the listener started";
}

function drawChart(element: HTMLElement, path: string, chart: Status["paths"][number]["charts"][number]): void {
  const id = `${path}/${chart.metric}`;
  const data = [chart.points.map((p) => p[0]), chart.points.map((p) => p[1])] as uPlot.AlignedData;
  const plot = plots.get(id);
  if (plot) return plot.setData(data);
  const holder = document.createElement("div");
  holder.dataset.chart = chart.metric;
  element.querySelector(".charts")!.append(holder);
  const options: uPlot.Options = {
    title: chart.title,
    width: 320,
    height: 140,
    series: [{}, { label: chart.metric, stroke: "#6cf", width: 1.5 }],
    axes: [{ stroke: "#888" }, { stroke: "#888" }],
    legend: { show: false },
  };
  plots.set(id, new uPlot(options, data, holder));
}

async function refresh(): Promise<void> {
  const status = (await (await fetch("/status.json", { cache: "no-store" })).json()) as Status;
  for (const { path, verdict, reasons, figures, charts } of status.paths) {
    const element = section(path);
    drawVerdict(element, verdict, reasons);
    drawFigures(element, figures);
    for (const chart of charts) drawChart(element, path, chart);
  }
  drawNodes(status.nodes);
  drawListener(status.listener);
  document.getElementById("updated")!.textContent = status.at;
  document.body.dataset.updated = status.at;
}

const loop = () => void refresh().finally(() => setTimeout(loop, 1_000));
loop();
