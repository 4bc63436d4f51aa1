// What `get` and `list` show for hosts, VMs and clusters: a short table with a summary line and usage columns,
// `-o wide` for more columns, `-o json|yaml` for the whole objects (pure: data and a painter in, text out).
import { Option } from 'commander';
import { stringify as toYaml } from 'yaml';
import type { Schema } from '@virtsim/client';
import { countBy, formatCell, printable, formatObject, formatTable, pick, type Column } from './format.js';
import { painter, stateStyle, type Paint } from './style.js';
import { UsageError } from './errors.js';

export type Host = Schema<'Host'>;
export type Vm = Schema<'Vm'>;
export type Cluster = Schema<'Cluster'>;

export const OUTPUTS = ['table', 'wide', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];

export const outputOption = () => new Option('-o, --output <format>', 'table (default), wide, json or yaml').choices([...OUTPUTS]);

/** -o wins; --json means -o json */
export function outputOf(o: { output?: string; json?: boolean }): Output {
  if (o.output === undefined) return o.json ? 'json' : 'table';
  if (!(OUTPUTS as readonly string[]).includes(o.output)) throw new UsageError(`-o takes ${OUTPUTS.join(', ')}, got "${o.output}"`);
  return o.output as Output;
}

/** "1.5 GiB" from MiB */
export function mib(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  if (n < 1024) return `${n} MiB`;
  const g = n / 1024;
  return `${Number.isInteger(g) ? g : g.toFixed(1)} GiB`;
}

/** "12/32 (38%)": used of capacity */
export function usage(used: number, capacity: number | undefined, unit: (n: number) => string = String): string {
  if (!capacity) return `${unit(used)}/-`;
  return `${unit(used)}/${unit(capacity)} (${Math.round((used / capacity) * 100)}%)`;
}

const usageStyle = (shown: string) => {
  const m = /\((\d+)%\)$/.exec(shown);
  if (!m) return undefined;
  const pct = Number(m[1]);
  return pct > 100 ? 'red' : pct >= 80 ? 'yellow' : undefined;
};
const stateCol = (shown: string) => stateStyle(shown);

/** what the VMs placed on each host take: vCPUs and MiB of the ones that run there */
export function hostLoad(vms: Vm[]): Map<string, { vcpus: number; memoryMiB: number }> {
  const load = new Map<string, { vcpus: number; memoryMiB: number }>();
  for (const vm of vms) {
    if (!vm.hostId || !/^(running|migrating|starting|paused)/.test(vm.state)) continue;
    const l = load.get(vm.hostId) ?? { vcpus: 0, memoryMiB: 0 };
    l.vcpus += vm.vcpus;
    l.memoryMiB += vm.memoryMiB;
    load.set(vm.hostId, l);
  }
  return load;
}

const hostMemory = (h: Host): number | undefined => {
  const m = (h.spec as { memoryMiB?: unknown }).memoryMiB;
  return typeof m === 'number' ? m : undefined;
};

export function hostColumns(vms: Vm[], clusters: Cluster[], wide: boolean): Column<Host>[] {
  const load = hostLoad(vms);
  const clusterName = names(clusters);
  const cols: Column<Host>[] = [
    { header: 'Name', key: 'name', maxWidth: 40 },
    { header: 'State', key: 'state', style: stateCol },
    { header: 'Cluster', get: (h) => clusterName(h.clusterId) },
    { header: 'VMs', key: 'vmCount', align: 'right' },
    { header: 'CPU used', get: (h) => usage(load.get(h.id)?.vcpus ?? 0, h.threads), align: 'right', style: usageStyle },
    { header: 'Memory used', get: (h) => usage(load.get(h.id)?.memoryMiB ?? 0, hostMemory(h), mib), align: 'right', style: usageStyle },
  ];
  if (wide) cols.splice(1, 0, { header: 'ID', key: 'id' });
  if (wide) cols.push({ header: 'Power', key: 'power', style: stateCol }, { header: 'Maintenance', key: 'maintenance' }, { header: 'Fault', key: 'fault', style: (s) => (s === '-' ? undefined : 'red') });
  return cols;
}

export function vmColumns(hosts: Host[], clusters: Cluster[], wide: boolean): Column<Vm>[] {
  const hostName = names(hosts);
  const clusterName = names(clusters);
  const cols: Column<Vm>[] = [
    { header: 'Name', key: 'name', maxWidth: 40 },
    { header: 'Power', key: 'state', style: stateCol },
    { header: 'Host', get: (v) => (v.hostId ? hostName(v.hostId) : undefined) },
    { header: 'vCPU', key: 'vcpus', align: 'right' },
    { header: 'Memory', get: (v) => mib(v.memoryMiB), align: 'right' },
  ];
  if (wide) {
    cols.splice(1, 0, { header: 'ID', key: 'id' });
    cols.push(
      { header: 'Cluster', get: (v) => clusterName(v.clusterId) },
      { header: 'Guest OS', get: (v) => [pick(v.spec, 'guestOs.distro') ?? pick(v.spec, 'guestOs.family'), pick(v.spec, 'guestOs.version')].filter(Boolean).join(' ') },
      { header: 'Tools', get: (v) => pick(v.spec, 'toolsInstalled') },
    );
  }
  return cols;
}

export function clusterColumns(wide: boolean): Column<Cluster>[] {
  const cols: Column<Cluster>[] = [
    { header: 'Name', key: 'name', maxWidth: 40 },
    { header: 'Hosts', key: 'hostCount', align: 'right' },
    { header: 'VMs', key: 'vmCount', align: 'right' },
    { header: 'Running', get: (c) => c.vmsByState?.running ?? 0, align: 'right' },
    { header: 'HA', get: (c) => pick(c, 'ha.enabled') },
    { header: 'DRS', get: (c) => (pick(c, 'drs.enabled') ? pick(c, 'drs.automation') ?? 'yes' : 'no') },
  ];
  if (wide) cols.splice(1, 0, { header: 'ID', key: 'id' });
  if (wide) cols.push({ header: 'Rules', key: 'ruleCount', align: 'right' }, { header: 'By state', get: (c) => Object.entries(c.vmsByState ?? {}).map(([k, n]) => `${k}:${n}`).join(' ') });
  return cols;
}

/** a lookup of display names by id (the id itself when the object is unknown) */
function names(items: { id: string; name: string }[]): (id: string) => string {
  const m = new Map(items.map((i) => [i.id, i.name]));
  return (id) => m.get(id) ?? id;
}

/** "3 hosts: 2 connected, 1 maintenance" */
export function summary(noun: string, states: string[]): string {
  const n = states.length;
  const counts = Object.entries(countBy(states, (s) => s)).map(([s, k]) => `${k} ${s}`);
  return printable(`${n} ${noun}${n === 1 ? '' : 's'}${counts.length ? `: ${counts.join(', ')}` : ''}`);
}

/** A list in the chosen output: json and yaml carry the whole objects, the tables a summary line. */
export function renderList<T>(items: T[], output: Output, columns: Column<T>[], summaryLine: string, paint: Paint = painter(false)): string {
  if (output === 'json') return JSON.stringify({ items }, null, 2);
  if (output === 'yaml') return toYaml({ items });
  if (items.length === 0) return summaryLine;
  return `${formatTable(items, columns, paint)}\n${paint('dim', summaryLine)}`;
}

/** One object: the short view is its table row's fields as "Header  value" lines; wide adds every field. */
export function renderOne<T>(item: T, output: Output, columns: Column<T>[], paint: Paint = painter(false)): string {
  if (output === 'json') return JSON.stringify(item, null, 2);
  if (output === 'yaml') return toYaml(item);
  const w = Math.max(...columns.map((c) => c.header.length));
  const lines = columns.map((c) => {
    const v = formatCell(c.get ? c.get(item) : pick(item, c.key ?? c.header));
    const style = c.style?.(v);
    return `${paint('bold', c.header.padEnd(w))}  ${style ? paint(style, v) : v}`;
  });
  return output === 'wide' ? `${lines.join('\n')}\n\n${formatObject(item, 4)}` : lines.join('\n');
}
