// Cluster CPU use over simulated time (uPlot), from the scheduler's CpuSchedulingSampled events up to the
// position shown.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from '../html.js';
import { useConsole } from '../store.js';
import { useLoad } from './load.js';

const SAMPLES = 5000;

export function CpuChart({ clusterId }: { clusterId: string }) {
  const { at } = useConsole();
  const box = useRef<HTMLDivElement>(null);
  const { data } = useLoad(async (api) => {
    const r = await api.get<{ items: any[] }>(`/events?type=CpuSchedulingSampled&stream=cpu-${encodeURIComponent(clusterId)}&limit=${SAMPLES}`);
    return series(r.items.filter((e) => at === null || e.position <= at));
  }, [clusterId, at]);
  useEffect(() => {
    if (!box.current || !data) return;
    const plot = new uPlot({
      width: Math.max(320, box.current.clientWidth), height: 180, legend: { show: false },
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [{ label: 'simulated time (s)' }, { label: 'CPU %' }],
      series: [{}, { label: 'cluster CPU use %', stroke: '#1f5fbf', width: 2, fill: 'rgba(31,95,191,0.12)' }],
    }, data, box.current);
    return () => plot.destroy();
  }, [data]);
  const last = data && data[1].length ? data[1][data[1].length - 1] : null;
  return html`<figure class="chart">
    <div ref=${box} role="img" aria-label=${`Cluster CPU use over simulated time${last === null ? '' : `, latest ${last.toFixed(1)} %`}`}></div>
    <figcaption>Cluster CPU use (mean of host samples) over simulated time${data && data[0].length === 0 ? ': no samples yet' : ''}</figcaption>
  </figure>`;
}

/** the mean host utilization at each sampled simTime, each host counted with its latest sample */
function series(events: any[]): [number[], number[]] {
  const latest = new Map<string, number>();
  const out = new Map<number, number>();
  for (const e of events) {
    latest.set(e.data.hostId, e.data.utilizationPercent ?? 0);
    const values = [...latest.values()];
    out.set(e.metadata.simTime ?? 0, values.reduce((s, v) => s + v, 0) / values.length);
  }
  const xs = [...out.keys()].sort((a, b) => a - b);
  return [xs, xs.map((x) => out.get(x)!)];
}
