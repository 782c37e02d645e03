// The status page's script: polls /status.json every second and draws each data path's figures and
// its charts of the last minutes with uPlot.
import uPlot from "uplot";

interface Figure {
  name: string;
  unit: string;
  description: string;
  latest: number | null;
  total: number | null;
}

interface Status {
  at: string;
  listener: { status?: string; counters?: Record<string, number>; at?: string } | null;
  paths: { path: string; figures: Figure[]; charts: { metric: string; title: string; points: [number, number][] }[] }[];
}

const plots = new Map<string, uPlot>();

const shown = (value: number | null) => (value === null ? "–" : Number.isInteger(value) ? String(value) : value.toFixed(2));

function section(path: string): HTMLElement {
  let element = document.getElementById(`path-${path}`);
  if (element) return element;
  element = document.createElement("section");
  element.id = `path-${path}`;
  element.dataset.path = path;
  element.innerHTML = `<h2>${path}</h2><dl></dl><div class="charts"></div>`;
  document.getElementById("paths")!.append(element);
  return element;
}

function drawFigures(element: HTMLElement, figures: Figure[]): void {
  element.querySelector("dl")!.innerHTML = figures
    .map(
      (f) =>
        `<div title="${f.description}"><dt>${f.name}</dt><dd data-metric="${f.name}" data-total="${f.total ?? ""}">${shown(f.latest)}${
          f.total === null ? "" : ` <small>(${shown(f.total)} in all)</small>`
        }</dd></div>`,
    )
    .join("");
}

function drawChart(element: HTMLElement, path: string, chart: Status["paths"][number]["charts"][number]): void {
  const id = `${path}/${chart.metric}`;
  const data: uPlot.AlignedData = [chart.points.map((p) => p[0]), chart.points.map((p) => p[1])];
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
  for (const { path, figures, charts } of status.paths) {
    const element = section(path);
    drawFigures(element, figures);
    for (const chart of charts) drawChart(element, path, chart);
  }
  const listener = document.getElementById("listener")!;
  listener.textContent = status.listener ? JSON.stringify(status.listener, null, 1) : "no health file yet";
  document.getElementById("updated")!.textContent = status.at;
  document.body.dataset.updated = status.at;
}

const loop = () => void refresh().finally(() => setTimeout(loop, 1_000));
loop();
