// Hosts of a cluster as a heat map: one cell per host, coloured by the chosen figure (green low, red high).
import { useState } from 'preact/hooks';
import { pct, ratio } from '../format.js';
import { html } from '../html.js';
import { hostMetrics, hostState, type HostMetrics, type Inventory, type Snapshot } from '../model.js';
import { Badge, href } from './common.js';

const FIGURES: { key: keyof HostMetrics; label: string; scale: number }[] = [
  { key: 'cpuPercent', label: 'CPU use', scale: 100 },
  { key: 'memoryPercent', label: 'Memory use', scale: 100 },
  { key: 'readyPercent', label: 'CPU ready', scale: 20 },
  { key: 'vcpuRatio', label: 'vCPU overcommit', scale: 4 },
];

/** green (0) to red (1) through yellow; text stays dark enough to read on every step */
const heat = (x: number | null) => (x === null ? 'var(--cell-off)' : `hsl(${Math.round(120 - 120 * Math.min(1, Math.max(0, x)))} 70% 82%)`);

export function HeatMap({ snap, inv, hostIds }: { snap: Snapshot | null; inv: Inventory; hostIds: string[] }) {
  const [figure, setFigure] = useState(FIGURES[0]);
  return html`
    <div role="group" aria-label="Colour the hosts by" class="toggle">
      ${FIGURES.map((f) => html`<button type="button" aria-pressed=${f.key === figure.key} onClick=${() => setFigure(f)}>${f.label}</button>`)}
    </div>
    <ul class="heatmap" aria-label=${`Hosts coloured by ${figure.label}`}>
      ${hostIds.map((id) => {
        const h = inv.hosts[id];
        const m = hostMetrics(snap, id);
        const v = m[figure.key] as number | null;
        return html`<li key=${id} style=${{ background: heat(v === null ? null : v / figure.scale) }} data-host=${id}>
          <a href=${href('host', id)}><strong>${h.spec.name}</strong></a> <${Badge} state=${hostState(h)} />
          <span>CPU ${pct(m.cpuPercent)}</span><span>Mem ${pct(m.memoryPercent)}</span>
          <span>Ready ${pct(m.readyPercent, 1)}</span><span>vCPU ${ratio(m.vcpuRatio)} · mem ${ratio(m.memoryRatio)}</span>
          <span>${Object.keys(h.vmIds ?? {}).length} VMs${m.freeState ? ` · memory ${m.freeState}` : ''}</span>
        </li>`;
      })}
    </ul>`;
}
