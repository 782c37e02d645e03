// Every benchmark prints one table: what was measured, ours, the peer or baseline, and the ratio.
export interface Row {
  measure: string;
  ours: number;
  baseline: number;
  unit: string;
  /** true when a bigger number is better (throughput), false for latency or cost. */
  higherIsBetter: boolean;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3));

export function printTable(title: string, baselineName: string, rows: Row[]): void {
  const lines = rows.map((r) => {
    const ratio = r.higherIsBetter ? r.ours / r.baseline : r.baseline / r.ours;
    const baseline = Number.isFinite(r.baseline) ? `${fmt(r.baseline)} ${r.unit}` : "—";
    return [r.measure, `${fmt(r.ours)} ${r.unit}`, baseline, Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "—"];
  });
  const header = ["measure", "ours", baselineName, "ours vs baseline"];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(`\n${title}\n`);
  console.log(row(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(row(l));
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
