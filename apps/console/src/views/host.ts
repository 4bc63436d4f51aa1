// Host page: its VMs, NUMA nodes, memory state (high / soft / hard / low) with sharing, balloon and swap,
// Dom0 and I/O load, devices and passthrough slots; maintenance, power, fault injection for operators.
import { useState } from 'preact/hooks';
import { mib, num, pct, ratio } from '../format.js';
import { html } from '../html.js';
import { hostFromSnapshot, inventoryOf } from '../model.js';
import { act, useConsole } from '../store.js';
import { Badge, Facts, href, Panel } from './common.js';
import { useLoad } from './load.js';

const MEMORY_STATES = ['high', 'soft', 'hard', 'low'];

export function HostPage({ id }: { id: string }) {
  const { at, snap, may } = useConsole();
  const live = useLoad(at === null ? (api) => api.get<any>(`/hosts/${encodeURIComponent(id)}`) : null, [id, at]);
  const h = at === null ? live.data ?? hostFromSnapshot(snap, id) : hostFromSnapshot(snap, id);
  const inv = inventoryOf(snap);
  if (!h) return html`<p>No host ${id} ${at !== null ? 'at this point of the log' : ''}.</p>`;
  const mem = h.memory;
  const io = h.io;
  const usage = h.cpu?.usage;
  return html`
    <h1>Host ${h.name} <${Badge} state=${h.state} /></h1>
    <p>In cluster <a href=${href('cluster', h.clusterId)}>${inv.clusters[h.clusterId]?.spec?.name ?? h.clusterId}</a>.</p>
    ${may.operate && at === null && html`<${HostActions} host=${h} />`}
    <${Facts} items=${[
      ['CPU', `${h.spec.cpu.sockets} × ${h.spec.cpu.coresPerSocket} cores × ${h.spec.cpu.threadsPerCore} threads, ${h.spec.cpu.mhz} MHz ${h.spec.cpu.vendor} ${h.spec.cpu.model}`],
      ['Hypervisor', `${h.spec.hypervisor.product ?? 'kvm'} ${h.spec.hypervisor.type}, ${h.spec.hypervisor.mode}`],
      ['CPU use', usage ? `${pct(usage.utilizationPercent, 1)} (${num(usage.usageMhz)} of ${num(usage.capacityMhz)} MHz)` : '—'],
      ['vCPUs', usage ? `${usage.totalVcpus} on ${h.threads} threads (${ratio(usage.totalVcpus / h.threads)})` : '—'],
    ]} />
    <${Panel} title="Virtual machines" id="host-vms">
      ${h.vmIds.length === 0 ? html`<p class="muted">No VMs.</p>` : html`<ul class="inline">${h.vmIds.map((v: string) => html`<li key=${v}><a href=${href('vm', v)}>${inv.vms[v]?.spec?.name ?? v}</a> <${Badge} state=${inv.vms[v]?.state} /></li>`)}</ul>`}
    <//>
    <${Panel} title="NUMA nodes" id="numa">
      <table><thead><tr><th scope="col">Node</th><th scope="col">Threads</th><th scope="col">vCPUs</th><th scope="col">Memory</th><th scope="col">Allocated</th></tr></thead>
      <tbody>${(h.cpu?.allocation?.numaNodes ?? []).map((n: any) => html`<tr key=${n.node}><td>${n.node}</td><td>${n.threads ?? '—'}</td><td>${n.vcpus ?? '—'}</td><td>${mib(n.memoryMiB)}</td><td>${mib(n.allocatedMemoryMiB)}</td></tr>`)}</tbody></table>
    <//>
    <${Panel} title="Memory" id="memory">
      ${mem ? html`
        <ol class="states" aria-label="Free memory state">${MEMORY_STATES.map((s) => html`<li key=${s} aria-current=${mem.freeState === s ? 'true' : undefined} class=${mem.freeState === s ? `on m-${s}` : ''}>${s}</li>`)}</ol>
        <${Facts} items=${[
          ['Capacity', mib(mem.capacityMiB)], ['Configured', mib(mem.configuredMiB)], ['Overcommit', ratio(mem.overcommit)],
          ['Shared pages', mib(mem.reclamation?.sharedMiB)], ['Ballooned', mib(mem.reclamation?.balloonedMiB)], ['Swapped', mib(mem.reclamation?.swappedMiB)],
          ['Translation', mem.translation ?? '—'], ['Huge pages', mem.hugePages ? `${mib(mem.hugePages.totalMiB)} (${mib(mem.hugePages.freeMiB)} free)` : '—'],
        ]} />` : html`<p class="muted">The memory manager has not reported this host.</p>`}
    <//>
    <${Panel} title="Dom0 and I/O" id="io">
      ${io?.dom0 ? html`<${Facts} items=${[
        ['Dom0 CPU', `${num(io.dom0.dom0CpuMhz, 1)} of ${num(io.dom0.dom0BudgetMhz)} MHz`], ['Exit handling', `${num(io.dom0.exitCpuMhz, 2)} MHz`],
        ['Contention factor', num(io.dom0.contentionFactor, 2)], ['Passthrough slots', io.assignableSlots ? `${io.assignableSlots.used} of ${io.assignableSlots.total} used` : '—'],
      ]} />` : html`<p class="muted">No I/O figures.</p>`}
      <table><caption>PCI devices</caption><thead><tr><th scope="col">Address</th><th scope="col">Kind</th><th scope="col">Model</th><th scope="col">State</th><th scope="col">VM</th></tr></thead>
      <tbody>${(io?.pciDevices ?? []).map((p: any) => html`<tr key=${p.pciIndex}><td>${p.address}</td><td>${p.kind}</td><td>${p.model}</td><td>${p.state}</td><td>${p.assignedTo ? html`<a href=${href('vm', p.assignedTo)}>${inv.vms[p.assignedTo]?.spec?.name ?? p.assignedTo}</a>` : '—'}</td></tr>`)}</tbody></table>
    <//>`;
}

function HostActions({ host }: { host: any }) {
  const [fault, setFault] = useState('power-loss');
  const path = `/hosts/${encodeURIComponent(host.id)}`;
  const down = host.power !== 'on';
  return html`<div class="actions" role="group" aria-label="Host actions">
    <button type="button" class="write" onClick=${() => act(host.maintenance ? 'exit maintenance' : 'enter maintenance', (api) => api.post(`${path}/maintenance`, { enter: !host.maintenance }))}>${host.maintenance ? 'Exit maintenance' : 'Enter maintenance'}</button>
    <button type="button" class="write" onClick=${() => act(down ? 'power on' : 'power off', (api) => api.post(`${path}/power`, { on: down }))}>${down ? 'Power on' : 'Power off'}</button>
    <label for="fault-kind">Fault</label>
    <select id="fault-kind" value=${fault} onChange=${(e: Event) => setFault((e.target as HTMLSelectElement).value)}>
      <option value="power-loss">power loss</option><option value="network-isolation">network isolation</option><option value="hypervisor-crash">hypervisor crash</option>
    </select>
    <button type="button" class="write danger" onClick=${() => act(`inject ${fault}`, (api) => api.post(`${path}/faults`, { kind: fault }))}>Inject fault</button>
    ${host.fault && html`<button type="button" class="write" onClick=${() => act('recover', (api) => api.post(`${path}/recover`))}>Recover</button>`}
  </div>`;
}
