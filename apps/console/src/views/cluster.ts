// Cluster page: heat map of hosts, HA and admission control, DRS recommendations (apply), DPM, rules and
// whether they hold, invariants (when the vrm has them), CPU use over time.
import { ApiError, type Api } from '../api.js';
import { mib, num } from '../format.js';
import { html } from '../html.js';
import { haSummary, hostName, inventoryOf, ruleHolds, vmName } from '../model.js';
import { act, useConsole } from '../store.js';
import { CpuChart } from './chart.js';
import { Facts, href, Panel } from './common.js';
import { HeatMap } from './heatmap.js';
import { useLoad } from './load.js';

export function ClusterPage({ id }: { id: string }) {
  const { snap } = useConsole();
  const inv = inventoryOf(snap);
  const c = inv.clusters[id];
  if (!c) return html`<p>No cluster ${id} ${snap ? 'at this point of the log' : ''}.</p>`;
  const hostIds = Object.keys(c.hostIds ?? {}).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return html`
    <h1>Cluster ${c.spec.name}</h1>
    <${Facts} items=${[
      ['Hosts', c.hostCount], ['VMs', c.vmCount], ['CPU overcommit ratio', c.spec.cpuOvercommitRatio],
      ['Memory overcommit', c.spec.memoryOvercommit ? `on (${c.spec.memoryOvercommitRatio}:1)` : 'off'], ['IMC baseline', c.spec.imcBaseline ?? '—'],
    ]} />
    <${Panel} title="Hosts" id="heatmap"><${HeatMap} snap=${snap} inv=${inv} hostIds=${hostIds} /><//>
    <${Panel} title="CPU use" id="cpu-chart"><${CpuChart} clusterId=${id} /><//>
    <div class="columns">
      <${HaPanel} clusterId=${id} />
      <${DpmPanel} cluster=${c} />
    </div>
    <${DrsPanel} clusterId=${id} enabled=${c.spec.drs?.enabled} />
    <${RulesPanel} clusterId=${id} />
    <${InvariantsPanel} />`;
}

function HaPanel({ clusterId }: { clusterId: string }) {
  const { snap } = useConsole();
  const ha = haSummary(snap, clusterId);
  const list = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
  return html`<${Panel} title="High availability" id="ha">
    <${Facts} items=${[
      ['HA', ha.enabled ? 'enabled' : 'disabled'], ['Host failures tolerated', ha.tolerated], ['Isolation response', ha.isolationResponse ?? '—'],
      ['Hosts (HA view)', list(ha.hostsByStatus)], ['Protected VMs', list(ha.vmsByStatus)],
      ['Admission control', html`<span class=${ha.admission.ok ? 'ok' : 'bad'}>${ha.admission.ok ? 'satisfied' : 'not satisfied'}</span>: ${mib(ha.admission.spareMiB)} left after losing ${ha.tolerated} largest host(s), ${mib(ha.admission.demandMiB)} needed by running VMs`],
    ]} />
  <//>`;
}

function DpmPanel({ cluster }: { cluster: any }) {
  const { snap } = useConsole();
  const inv = inventoryOf(snap);
  const dpm = cluster.spec.dpm ?? { enabled: false };
  const standby = Object.keys(cluster.hostIds ?? {}).map((h) => inv.hosts[h]).filter((h) => h && h.power === 'standby').map((h) => h.spec.name);
  return html`<${Panel} title="Power management (DPM)" id="dpm">
    <${Facts} items=${[
      ['DPM', dpm.enabled ? `enabled, ${dpm.automation}` : 'disabled'],
      ['Band', dpm.lowPercent !== undefined ? `${dpm.lowPercent} % .. ${dpm.highPercent} % CPU and memory` : '—'],
      ['Hosts in standby', standby.length ? standby.join(', ') : 'none'],
    ]} />
  <//>`;
}

function DrsPanel({ clusterId, enabled }: { clusterId: string; enabled: boolean }) {
  const { at, may, snap } = useConsole();
  const inv = inventoryOf(snap);
  const recs = useLoad(at === null ? (api) => api.get<any>(`/clusters/${encodeURIComponent(clusterId)}/drs/recommendations`) : null, [clusterId, at]);
  const apply = (rid: string) => act('apply DRS recommendation', (api) => api.post(`/clusters/${encodeURIComponent(clusterId)}/drs/recommendations/${encodeURIComponent(rid)}/apply`));
  if (at !== null) return html`<${Panel} title="DRS recommendations" id="drs"><p class="muted">Recommendations are computed for the present only.</p><//>`;
  const items: any[] = recs.data?.items ?? [];
  return html`<${Panel} title="DRS recommendations" id="drs">
    <p>DRS ${enabled ? `enabled (${recs.data?.automation ?? '…'})` : 'disabled'}${recs.data?.passAt !== null && recs.data?.passAt !== undefined ? `, last pass at ${recs.data.passAt} s` : ''}.</p>
    ${items.length === 0 ? html`<p class="muted">No pending recommendations.</p>` : html`
    <table>
      <thead><tr><th scope="col">Priority</th><th scope="col">VM</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Rationale</th>${may.operate && html`<th scope="col"><span class="sr-only">Action</span></th>`}</tr></thead>
      <tbody>${items.map((r) => html`<tr key=${r.id}>
        <td>${r.priority}</td><td><a href=${href('vm', r.vmId)}>${r.vmName ?? vmName(inv, r.vmId)}</a></td>
        <td>${hostName(inv, r.fromHostId)}</td><td>${hostName(inv, r.toHostId)}</td>
        <td>${r.rationale?.reason ?? ''}: imbalance ${num(r.rationale?.imbalanceBefore, 3)} → ${num(r.rationale?.imbalanceAfter, 3)} (benefit ${num(r.rationale?.benefit, 3)}, cost ${num(r.rationale?.cost, 3)})${r.rationale?.ruleId ? `, rule ${r.rationale.ruleId}` : ''}</td>
        ${may.operate && html`<td><button type="button" class="write" onClick=${() => apply(r.id)}>Apply</button></td>`}
      </tr>`)}</tbody>
    </table>`}
  <//>`;
}

function RulesPanel({ clusterId }: { clusterId: string }) {
  const { snap } = useConsole();
  const inv = inventoryOf(snap);
  const rules = Object.values<any>(inv.rules).filter((r) => r.clusterId === clusterId);
  return html`<${Panel} title="Rules" id="rules">
    ${rules.length === 0 ? html`<p class="muted">No rules.</p>` : html`<table>
      <thead><tr><th scope="col">Rule</th><th scope="col">Kind</th><th scope="col">VMs</th><th scope="col">Hosts</th><th scope="col">Holds</th></tr></thead>
      <tbody>${rules.map((r) => {
        const holds = ruleHolds(inv, r);
        return html`<tr key=${r.id}><td>${r.spec.name}</td><td>${r.spec.kind}</td><td>${r.spec.vms.map((v: string) => vmName(inv, v)).join(', ')}</td>
          <td>${(r.spec.hosts ?? []).map((h: string) => hostName(inv, h)).join(', ') || '—'}</td><td class=${holds ? 'ok' : 'bad'} title=${r.compliance?.reason ?? ''}>${holds ? 'holds' : 'broken'}</td></tr>`;
      })}</tbody></table>`}
  <//>`;
}

/** GET /invariants when the vrm has it (its OpenAPI document lists the route; a 404 hides the panel too) */
function InvariantsPanel() {
  const { at } = useConsole();
  const r = useLoad(async (api) => ((await routes(api)).has('/api/v1/invariants') ? api.get<any>(`/invariants${at === null ? '' : `?at=${at}`}`) : null), [at]);
  if (r.error instanceof ApiError && r.error.status === 404) return null;
  if (!r.data) return null;
  const items: any[] = r.data.invariants ?? [];
  return html`<${Panel} title="Invariants" id="invariants">
    <p class=${r.data.holds ? 'ok' : 'bad'}>${r.data.holds ? 'Every invariant holds.' : 'Some invariants are breached.'}</p>
    <table><thead><tr><th scope="col">Invariant</th><th scope="col">Status</th><th scope="col">Since</th></tr></thead>
    <tbody>${items.map((i) => html`<tr key=${i.id}><td><strong>${i.id}</strong> ${i.text}</td><td class=${i.status === 'holds' ? 'ok' : 'bad'}>${i.status}</td><td>${i.since ?? '—'}</td></tr>`)}</tbody></table>
  <//>`;
}

/** the vrm's routes, read once per sign-in: asking for a route it lacks would log a 404 in the browser */
const known = new WeakMap<Api, Promise<Set<string>>>();
function routes(api: Api): Promise<Set<string>> {
  if (!known.has(api)) known.set(api, api.get<{ paths: Record<string, unknown> }>('/openapi.json').then((doc) => new Set(Object.keys(doc.paths ?? {}))));
  return known.get(api)!;
}
