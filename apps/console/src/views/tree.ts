// Inventory: clusters -> hosts -> VMs with their states, filtered by name.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { hostState, inventoryOf, sorted } from '../model.js';
import { useConsole } from '../store.js';
import { Badge, href, type Route } from './common.js';

export function Tree({ route }: { route: Route }) {
  const { snap } = useConsole();
  const [query, setQuery] = useState('');
  const inv = inventoryOf(snap);
  const q = query.trim().toLowerCase();
  const match = (name: string) => !q || name.toLowerCase().includes(q);
  const current = (page: string, id: string) => (route.page === page && route.id === id ? 'page' : undefined);
  const vmItem = (vm: any) => html`<li key=${vm.id}><a href=${href('vm', vm.id)} aria-current=${current('vm', vm.id)}>${vm.spec.name}</a> <${Badge} state=${vm.state} /></li>`;
  const clusters = sorted(inv.clusters).map((c) => {
    const hosts = Object.keys(c.hostIds ?? {}).map((h) => inv.hosts[h]).filter(Boolean).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    const vmsOf = (hostId: string | null) => Object.keys(c.vmIds ?? {}).map((v) => inv.vms[v]).filter((v) => v && (v.hostId ?? null) === hostId && match(v.spec.name))
      .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    const hostItems = hosts.map((h) => ({ h, vms: vmsOf(h.id) })).filter(({ h, vms }) => match(h.spec.name) || vms.length > 0);
    const unplaced = vmsOf(null);
    if (q && !match(c.spec.name) && hostItems.length === 0 && unplaced.length === 0) return null;
    return html`<li key=${c.id}>
      <a href=${href('cluster', c.id)} aria-current=${current('cluster', c.id)}>${c.spec.name}</a> <span class="muted">${c.hostCount} hosts · ${c.vmCount} VMs</span>
      <ul>
        ${hostItems.map(({ h, vms }) => html`<li key=${h.id}>
          <a href=${href('host', h.id)} aria-current=${current('host', h.id)}>${h.spec.name}</a> <${Badge} state=${hostState(h)} />
          ${vms.length > 0 && html`<ul>${vms.map(vmItem)}</ul>`}
        </li>`)}
        ${unplaced.length > 0 && html`<li><span class="muted">not placed</span><ul>${unplaced.map(vmItem)}</ul></li>`}
      </ul>
    </li>`;
  });
  return html`
    <nav class="tree" aria-label="Inventory">
      <label for="search" class="sr-only">Search by name</label>
      <input id="search" type="search" placeholder="Search by name" value=${query} onInput=${(e: Event) => setQuery((e.target as HTMLInputElement).value)} />
      <ul>${clusters}</ul>
      ${sorted(inv.clusters).length === 0 && html`<p class="muted">No clusters yet.</p>`}
    </nav>`;
}
