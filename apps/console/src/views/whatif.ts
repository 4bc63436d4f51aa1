// What-if (B5): fork the system at the position shown, apply one change, run both for some simulated time and
// compare side by side (POST /whatif, then GET /whatif/:id until the job ends); imbalance over time charted.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from '../html.js';
import { inventoryOf, sorted } from '../model.js';
import { errorText, notify, useConsole } from '../store.js';
import { Panel } from './common.js';

const POLL_MS = 1000;
const COLOURS = ['#1f5fbf', '#b5361f', '#1f8a3b', '#7b3fb5'];

export function WhatIfPage() {
  const { snap, at, api, may } = useConsole();
  const inv = inventoryOf(snap);
  const clusters = sorted(inv.clusters);
  const [form, setForm] = useState({ clusterId: '', change: 'fault', hostId: '', kind: 'power-loss', count: 1, seconds: 600 });
  const [job, setJob] = useState<any>(null);
  const clusterId = form.clusterId || clusters[0]?.id || '';
  const hosts = Object.keys(inv.clusters[clusterId]?.hostIds ?? {}).map((h) => inv.hosts[h]).filter(Boolean);
  const hostId = form.hostId || hosts[0]?.id || '';
  const field = (k: keyof typeof form, numeric = false) => (e: Event) => {
    const v = (e.target as HTMLInputElement).value;
    setForm({ ...form, [k]: numeric ? Number(v) : v });
  };
  const change = () => {
    switch (form.change) {
      case 'add': return { addHosts: { count: form.count, ...(hostId ? { like: hostId } : {}) } };
      case 'remove': return { removeHosts: [hostId] };
      case 'maintenance': return { maintenance: { host: hostId, enter: true } };
      default: return { fault: { host: hostId, kind: form.kind } };
    }
  };
  const run = async (e: Event) => {
    e.preventDefault();
    if (!api) return;
    try {
      const started = await api.post<any>('/whatif', { ...(at === null ? {} : { at }), cluster: clusterId, seconds: form.seconds, variants: [{ name: form.change, changes: [change()] }] });
      setJob(started);
    } catch (err) { notify({ kind: 'error', text: `what-if: ${errorText(err)}` }); }
  };
  useEffect(() => {
    if (!api || !job || job.state === 'succeeded' || job.state === 'failed') return;
    const t = setTimeout(() => { api.get<any>(`/whatif/${encodeURIComponent(job.id)}`).then(setJob, (err) => notify({ kind: 'error', text: errorText(err) })); }, POLL_MS);
    return () => clearTimeout(t);
  }, [job]);
  return html`<h1>What-if</h1>
    <p>Forks the system ${at === null ? 'as it is now' : `as of log position ${at}`}, applies one change and runs the baseline and the change side by side. The real log is untouched.</p>
    ${may.operate ? html`<form class="form" onSubmit=${run}>
      <label for="wi-cluster">Cluster</label>
      <select id="wi-cluster" value=${clusterId} onChange=${field('clusterId')}>${clusters.map((c) => html`<option value=${c.id}>${c.spec.name}</option>`)}</select>
      <label for="wi-change">Change</label>
      <select id="wi-change" value=${form.change} onChange=${field('change')}>
        <option value="fault">a host fails</option><option value="maintenance">a host enters maintenance</option>
        <option value="remove">a host is removed</option><option value="add">hosts are added</option>
      </select>
      <label for="wi-host">${form.change === 'add' ? 'Like host' : 'Host'}</label>
      <select id="wi-host" value=${hostId} onChange=${field('hostId')}>${hosts.map((h) => html`<option value=${h.id}>${h.spec.name}</option>`)}</select>
      ${form.change === 'fault' && html`<label for="wi-kind">Fault</label><select id="wi-kind" value=${form.kind} onChange=${field('kind')}>
        <option value="power-loss">power loss</option><option value="network-isolation">network isolation</option><option value="hypervisor-crash">hypervisor crash</option></select>`}
      ${form.change === 'add' && html`<label for="wi-count">Hosts to add</label><input id="wi-count" type="number" min="1" max="128" value=${form.count} onInput=${field('count', true)} />`}
      <label for="wi-seconds">Simulated seconds</label><input id="wi-seconds" type="number" min="10" max="604800" value=${form.seconds} onInput=${field('seconds', true)} />
      <button type="submit" class="write" disabled=${!clusterId || (form.change !== 'add' && !hostId)}>Run what-if</button>
    </form>` : html`<p class="muted">Your role may read what-if results but not run one.</p>`}
    ${job && html`<${Panel} title="Result" id="whatif-result">
      <p role="status">${job.id}: ${job.state}${job.progress ? ` (${job.progress})` : ''}${job.error ? `: ${job.error.message}` : ''}</p>
      ${job.result && html`<${WhatIfResult} result=${job.result} />`}
    <//>`}`;
}

function WhatIfResult({ result }: { result: any }) {
  const names: string[] = result.columns.map((c: any) => c.name);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const series: number[][] = result.columns.map((c: any) => c.figures.imbalance.series);
    const points = Math.max(0, ...series.map((s) => s.length));
    const data = [Array.from({ length: points }, (_, i) => i), ...series.map((s) => Array.from({ length: points }, (_, i) => s[i] ?? null))];
    const plot = new uPlot({
      width: Math.max(320, box.current.clientWidth), height: 180, scales: { x: { time: false } },
      axes: [{ label: 'point of the run' }, { label: 'imbalance' }],
      series: [{}, ...names.map((n, i) => ({ label: n, stroke: COLOURS[i % COLOURS.length], width: 2 }))],
    }, data as uPlot.AlignedData, box.current);
    return () => plot.destroy();
  }, [result]);
  return html`
    <table data-testid="whatif-table"><caption>Forked at position ${result.at}, ${result.seconds} simulated seconds</caption>
      <thead><tr><th scope="col">Figure</th>${names.map((n) => html`<th scope="col">${n}</th>`)}</tr></thead>
      <tbody>${result.table.filter((row: any[]) => row[0] !== '' && !names.includes(String(row[1]))).map((row: any[]) => html`<tr><th scope="row">${row[0]}</th>${row.slice(1).map((v) => html`<td>${typeof v === 'number' ? +v.toFixed(3) : v}</td>`)}</tr>`)}</tbody>
    </table>
    <figure class="chart"><div ref=${box} role="img" aria-label="Host CPU imbalance over the run, one line per column"></div>
      <figcaption>Host CPU imbalance (standard deviation of utilization) over the run</figcaption></figure>`;
}
