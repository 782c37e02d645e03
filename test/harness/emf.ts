// Reading metric output as CloudWatch does: EMF documents among a process's stdout lines, and the
// check that a data path's documents hold every metric of the catalog with its unit and dimensions.
import { expect } from "chai";
import { metricCatalog, metricNamespace, metricsOf, pathDimension, type DataPath, type EmfDocument } from "../../domain/runtime/metrics.js";

/** The EMF documents among `lines` (the other lines are logs). */
export const emfDocuments = (lines: string[]): EmfDocument[] =>
  lines.flatMap((line) => {
    if (!line.startsWith("{")) return [];
    const parsed = JSON.parse(line) as Partial<EmfDocument>;
    return parsed._aws?.CloudWatchMetrics ? [parsed as EmfDocument] : [];
  });

/** Every metric of `path` appears with its unit, under [service, ...its dimensions] (and [service] alone when it has any). */
export function expectEveryMetric(documents: EmfDocument[], path: DataPath): void {
  for (const name of metricsOf(path)) {
    const spec = metricCatalog[name];
    const carrying = documents.flatMap((d) =>
      d._aws.CloudWatchMetrics.filter((c) => c.Metrics.some((m) => m.Name === name)).map((c) => ({
        document: d as unknown as Record<string, unknown>,
        directive: c,
      })),
    );
    expect(carrying.length, `${path} reports ${name}`).to.be.above(0);
    for (const { document, directive } of carrying) {
      expect(directive.Namespace).to.equal(metricNamespace);
      expect(directive.Metrics.find((m) => m.Name === name)!.Unit, `${name}'s unit`).to.equal(spec.unit);
      const sets = directive.Dimensions.map((set) => set.join(","));
      expect(sets, `${name}'s dimensions`).to.include([pathDimension, ...spec.dimensions].join(","));
      if (spec.dimensions.length) expect(sets, `${name} under its path alone`).to.include(pathDimension);
      expect(document[pathDimension]).to.equal(path);
      for (const dimension of spec.dimensions) expect(document[dimension], `${name}'s ${dimension}`).to.be.a("string").and.not.equal("");
      expect(document[name], `${name}'s value`).to.satisfy(
        (v: unknown) => typeof v === "number" || (Array.isArray(v) && v.every((x) => typeof x === "number")),
      );
    }
  }
}
