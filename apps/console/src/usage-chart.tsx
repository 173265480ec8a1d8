/**
 * A key's or an identity's hourly usage from its stats route (GET /v1/api-keys/:id/stats, GET
 * /v1/identities/:id/stats), drawn with uPlot. When the API reports verification outcomes
 * (per point as `outcomes: { valid: n, … }` or as extra numeric fields), each outcome gets its own line; otherwise
 * the chart shows requests alone.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { api } from "./api";
import { ErrorMessage } from "./ui";
import { normalizeOutcomes, outcomesOf, type Point, sumOutcomes } from "./usage-outcomes";

/** What both stats routes answer; each adds its own facts (a key's quota and hourly limit, an identity's keys). */
export interface UsageStats {
  total_requests: number;
  requests_this_hour: number;
  series: Point[];
  outcomes?: unknown;
}

interface UsageChartProps<S extends UsageStats> {
  /** The stats route. */
  path: string;
  title: string;
  /** The facts above the chart, as `<dt>`/`<dd>` pairs. */
  facts: (stats: S) => ComponentChildren;
}

const COLORS = ["#1d4ed8", "#047857", "#b45309", "#b91c1c", "#6d28d9", "#0e7490", "#4d7c0f"];

export function UsageChart<S extends UsageStats>({ path, title, facts }: UsageChartProps<S>) {
  const [stats, setStats] = useState<S | null>(null);
  const [error, setError] = useState<unknown>(null);
  const target = useRef<HTMLDivElement>(null);

  useEffect(() => {
    api<S>("GET", path).then(setStats, setError);
  }, [path]);

  const outcomeNames = stats ? [...new Set(stats.series.flatMap((p) => Object.keys(outcomesOf(p))))].sort() : [];

  useEffect(() => {
    if (!stats || !target.current) return;
    const xs = stats.series.map((p) => new Date(p.hour).getTime() / 1000);
    const lines =
      outcomeNames.length > 0
        ? outcomeNames.map((name) => ({ name, values: stats.series.map((p) => outcomesOf(p)[name] ?? 0) }))
        : [{ name: "requests", values: stats.series.map((p) => p.requests) }];
    const width = Math.max(280, Math.min(target.current.clientWidth || 800, 960));
    const chart = new uPlot(
      {
        width,
        height: 240,
        series: [
          {},
          ...lines.map((line, i) => ({
            label: line.name,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            points: { show: true },
          })),
        ],
        axes: [{}, { label: "requests per hour" }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      },
      [xs, ...lines.map((line) => line.values)],
      target.current,
    );
    // Follows the page's width (a phone turned sideways, a resized window).
    const resize = new ResizeObserver(() => {
      const next = target.current?.clientWidth;
      if (next) chart.setSize({ width: Math.max(240, Math.min(next, 960)), height: 240 });
    });
    resize.observe(target.current);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [stats]);

  const reported = normalizeOutcomes(stats?.outcomes);
  const totals = Object.keys(reported).length > 0 ? reported : sumOutcomes(stats?.series ?? []);
  return (
    <section class="card" aria-labelledby="usage-heading">
      <h2 id="usage-heading">{title}</h2>
      <ErrorMessage error={error} />
      {stats && (
        <>
          <dl class="facts">{facts(stats)}</dl>
          <figure>
            <div ref={target} class="chart" role="img" aria-label={chartSummary(stats)} />
            <figcaption>
              Hourly requests over the last {stats.series.length} hours
              {outcomeNames.length > 0 ? ", by verification outcome" : ""}.
            </figcaption>
          </figure>
          {Object.keys(totals).length > 0 && (
            <table class="compact">
              <caption>By outcome</caption>
              <tbody>
                {Object.entries(totals).map(([name, count]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td>{count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

function chartSummary(stats: UsageStats): string {
  const peak = Math.max(0, ...stats.series.map((p) => p.requests));
  return `Line chart of hourly requests: ${stats.series.reduce((n, p) => n + p.requests, 0)} in ${stats.series.length} hours, peak ${peak} in one hour`;
}
