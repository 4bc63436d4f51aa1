// VM page: placement and NUMA, memory breakdown, CPU mode and its overhead, devices with guest names, the
// history timeline with the audit "why" of each automatic action; power and migration for operators.
import { useState } from 'preact/hooks';
import { mib, num, pct, simTime } from '../format.js';
import { html } from '../html.js';
import { hostName, hostState, inventoryOf, vmFromSnapshot } from '../model.js';
import { act, useConsole } from '../store.js';
import { Badge, Facts, href, Panel } from './common.js';
import { useLoad } from './load.js';

export function VmPage({ id }: { id: string }) {
  const { at, snap, may } = useConsole();
  const live = useLoad(at === null ? (api) => api.get<any>(`/vms/${encodeURIComponent(id)}`) : null, [id, at]);
  const vm = at === null ? live.data ?? vmFromSnapshot(snap, id) : vmFromSnapshot(snap, id);
  const inv = inventoryOf(snap);
  if (!vm) return html`<p>No VM ${id} ${at !== null ? 'at this point of the log' : ''}.</p>`;
  const cpu = vm.cpu;
  const mem = vm.memory;
  return html`
    <h1>VM ${vm.name} <${Badge} state=${vm.state} /></h1>
    ${may.operate && at === null && html`<${VmActions} vm=${vm} />`}
    <${Panel} title="Placement" id="placement">
      <${Facts} items=${[
        ['Host', vm.hostId ? html`<a href=${href('host', vm.hostId)} data-testid="vm-host">${hostName(inv, vm.hostId)}</a>` : html`<span data-testid="vm-host">none</span>`],
        ['Cluster', html`<a href=${href('cluster', vm.clusterId)}>${inv.clusters[vm.clusterId]?.spec?.name ?? vm.clusterId}</a>`],
        ['NUMA nodes', vm.numa ? vm.numa.nodes.map((n: number, i: number) => `node ${n}: ${vm.numa.vcpusPerNode?.[i] ?? '?'} vCPUs, ${mib(vm.numa.memoryMiBPerNode?.[i])}`).join('; ') : '—'],
        ['Guest OS', `${vm.spec.guestOs.family} ${vm.spec.guestOs.distro ?? ''} ${vm.spec.guestOs.version}`],
        ['vCPUs / memory', `${vm.vcpus} vCPUs, ${mib(vm.memoryMiB)}`],
      ]} />
    <//>
    <div class="columns">
      <${Panel} title="Memory" id="vm-memory">
        ${mem ? html`<${Facts} items=${[
          ['Granted', mib(mem.grantedMiB)], ['Shared', mib(mem.sharedMiB)], ['Ballooned', mib(mem.balloonedMiB)], ['Swapped', mib(mem.swappedMiB)],
          ['Active', mib(mem.activeMiB)], ['Overhead', mib(mem.overheadMiB)], ['Huge pages', mem.hugeBacked ? 'yes' : 'no'],
        ]} />` : html`<p class="muted">Not reported.</p>`}
      <//>
      <${Panel} title="CPU" id="vm-cpu">
        ${cpu ? html`<${Facts} items=${[
          ['Mode', cpu.overhead?.mode ?? '—'], ['Virtualization overhead', cpu.overhead ? `${pct(cpu.overhead.overheadPercent, 2)} (${num(cpu.overhead.overheadMhz, 1)} MHz)` : '—'],
          ['Demand / usage', `${num(cpu.demandMhz)} / ${num(cpu.usageMhz)} MHz`], ['Ready', pct(cpu.readyPercent, 1)], ['Shares', cpu.shares ?? vm.spec.cpuShares],
        ]} />` : html`<p class="muted">Not reported.</p>`}
      <//>
    </div>
    <${Panel} title="Devices" id="devices">
      ${vm.io?.devices ? html`<table><thead><tr><th scope="col">Device</th><th scope="col">Model</th><th scope="col">Mode</th><th scope="col">Guest name</th><th scope="col">State</th></tr></thead>
        <tbody>${vm.io.devices.map((d: any) => html`<tr key=${d.deviceId}><td>${d.deviceId}</td><td>${d.model}</td><td>${d.mode}</td><td><code>${d.guestName ?? '—'}</code></td><td>${d.frontend ?? ''}</td></tr>`)}</tbody></table>`
        : html`<p class="muted">${vm.spec.disks.length} disk(s), ${vm.spec.nics.length} NIC(s)${at !== null ? '; guest device names are shown for the present' : ''}.</p>`}
    <//>
    <${Timeline} vmId=${id} />`;
}

function VmActions({ vm }: { vm: any }) {
  const { snap } = useConsole();
  const inv = inventoryOf(snap);
  const [target, setTarget] = useState('');
  const path = `/vms/${encodeURIComponent(vm.id)}`;
  const power = (action: string) => act(`${action} ${vm.name}`, (api) => api.post(`${path}/power`, { action }));
  const targets = Object.keys(inv.clusters[vm.clusterId]?.hostIds ?? {}).map((h) => inv.hosts[h]).filter((h) => h && h.id !== vm.hostId && hostState(h) === 'connected');
  return html`<div class="actions" role="group" aria-label="VM actions">
    ${['start', 'stop', 'restart', 'suspend', 'resume'].map((a) => html`<button type="button" class="write" key=${a} onClick=${() => power(a)}>${a[0].toUpperCase() + a.slice(1)}</button>`)}
    <label for="migrate-target">Migrate to</label>
    <select id="migrate-target" value=${target} onChange=${(e: Event) => setTarget((e.target as HTMLSelectElement).value)}>
      <option value="">DRS picks</option>${targets.map((h) => html`<option key=${h.id} value=${h.id}>${h.spec.name}</option>`)}
    </select>
    <button type="button" class="write" onClick=${() => act(`migrate ${vm.name}`, (api) => api.post(`${path}/migrate`, target ? { targetHostId: target } : {}))}>Migrate</button>
  </div>`;
}

/** the VM's events up to the position shown, each automatic action with its recorded reason */
function Timeline({ vmId }: { vmId: string }) {
  const { at } = useConsole();
  const r = useLoad(async (api) => {
    const [history, audit] = await Promise.all([
      api.get<{ items: any[] }>(`/vms/${encodeURIComponent(vmId)}/history?limit=5000`),
      api.get<{ items: any[] }>(`/audit?vm=${encodeURIComponent(vmId)}&limit=5000`),
    ]);
    const why = new Map(audit.items.map((a) => [a.position, a]));
    return history.items.filter((e) => at === null || e.position <= at).map((e) => ({ ...e, audit: why.get(e.position) ?? null })).reverse();
  }, [vmId, at]);
  return html`<${Panel} title="History" id="timeline">
    ${!r.data ? html`<p class="muted">Loading…</p>` : html`<ol class="timeline">${r.data.map((e: any) => html`
      <li key=${e.position} class=${e.audit ? `auto a-${e.audit.action}` : ''} data-type=${e.type}>
        <span class="when">#${e.position} · ${simTime(e.metadata.simTime)}</span>
        <strong>${e.type}</strong>${e.audit && html` <span class="tag">${e.audit.action}</span>`}
        ${reasonOf(e) && html`<div class="why">${reasonOf(e)}</div>`}
      </li>`)}</ol>`}
  <//>`;
}

function reasonOf(e: any): string | null {
  const d = e.data ?? {};
  const r = d.reason ?? d.rationale ?? e.audit?.rationale;
  const moved = d.fromHostId && (d.hostId ?? d.toHostId) ? `host ${d.fromHostId} → ${d.hostId ?? d.toHostId}` : null;
  if (!r) return [d.cause, moved].filter(Boolean).join(': ') || null;
  if (typeof r === 'string') return r;
  return r.why ?? r.reason ?? JSON.stringify(r);
}
