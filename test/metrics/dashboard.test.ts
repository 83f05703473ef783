// The Cloud Monitoring dashboard of the delivery metrics (docs/delivery-metrics-dashboard.json) charts
// exactly the gauges `metrics --export` writes, and its tiles fit the 48-column mosaic without overlap.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { deliveryMetrics } from "../../pipeline/src/metrics/dora.js";
import { gaugePoints, METRIC_PREFIX } from "../../pipeline/src/metrics/report.js";
import { DEPLOYMENTS, REJECTIONS, STARTS, WINDOW } from "./ledger-fixture.js";

const FILE = resolve(import.meta.dirname, "../../docs/delivery-metrics-dashboard.json");

interface Query {
  timeSeriesFilter?: {
    filter: string;
    aggregation?: { alignmentPeriod?: string; perSeriesAligner?: string };
  };
}
interface Tile {
  xPos?: number;
  yPos?: number;
  width: number;
  height: number;
  widget: {
    title: string;
    scorecard?: { timeSeriesQuery: Query };
    xyChart?: { dataSets: { timeSeriesQuery: Query; plotType?: string }[] };
    text?: { content: string };
  };
}
const dashboard = JSON.parse(readFileSync(FILE, "utf8")) as {
  displayName: string;
  dashboardFilters: { labelKey: string; filterType: string }[];
  mosaicLayout: { columns: number; tiles: Tile[] };
};
const tiles = dashboard.mosaicLayout.tiles;
const queries = tiles.flatMap((t) => [
  ...(t.widget.scorecard ? [t.widget.scorecard.timeSeriesQuery] : []),
  ...(t.widget.xyChart?.dataSets.map((d) => d.timeSeriesQuery) ?? []),
]);

describe("delivery metrics dashboard", () => {
  it("charts every exported gauge and nothing else", () => {
    const exported = gaugePoints(
      deliveryMetrics({
        environment: "production",
        deployments: DEPLOYMENTS,
        rejections: REJECTIONS,
        starts: STARTS,
        window: WINDOW,
      }),
    ).map((p) => `${METRIC_PREFIX}/${p.metric}`);
    expect(exported).toHaveLength(7);
    const charted = new Set<string>();
    for (const q of queries) {
      const filter = q.timeSeriesFilter?.filter ?? "";
      const m = /^metric\.type="([^"]+)" resource\.type="global"$/.exec(filter);
      expect(m, filter).not.toBeNull();
      charted.add(m?.[1] as string);
      // gauges: the newest point of each alignment period, never a sum that would double count
      expect(q.timeSeriesFilter?.aggregation?.perSeriesAligner).toBe("ALIGN_NEXT_OLDER");
      expect(q.timeSeriesFilter?.aggregation?.alignmentPeriod).toMatch(/^\d+s$/);
    }
    expect([...charted].sort()).toEqual([...exported].sort());
  });

  it("filters by the environment label the export writes", () => {
    expect(dashboard.dashboardFilters).toEqual([
      expect.objectContaining({ labelKey: "environment", filterType: "METRIC_LABEL" }),
    ]);
  });

  it("lays its tiles inside the mosaic without overlap", () => {
    const cols = dashboard.mosaicLayout.columns;
    const taken = new Set<string>();
    for (const t of tiles) {
      const x = t.xPos ?? 0;
      const y = t.yPos ?? 0;
      expect(x + t.width, t.widget.title).toBeLessThanOrEqual(cols);
      for (let i = x; i < x + t.width; i++)
        for (let j = y; j < y + t.height; j++) {
          expect(taken.has(`${i},${j}`), `${t.widget.title} overlaps at ${i},${j}`).toBe(false);
          taken.add(`${i},${j}`);
        }
    }
  });
});
