// Pulls clusters, hosts and VMs out of a GET /state answer whose per-service shapes
// are not fixed by the contract: any service state holding `clusters`, `hosts` or
// `vms` (a map by id or a list) contributes; records with the same id are merged (pure).
import { hostState, type HaHostFaultKind, type HostPowerState } from '@virtsim/contracts';

export type Rec = Record<string, unknown>;

export interface Inventory {
  clusters: Rec[];
  hosts: Rec[];
  vms: Rec[];
}

const KINDS = ['clusters', 'hosts', 'vms'] as const;

function records(v: unknown): Rec[] {
  if (Array.isArray(v)) return v.filter((x): x is Rec => !!x && typeof x === 'object');
  if (v && typeof v === 'object') {
    return Object.entries(v as Rec)
      .filter(([, x]) => !!x && typeof x === 'object' && !Array.isArray(x))
      .map(([id, x]) => ({ id, ...(x as Rec) }));
  }
  return [];
}

export function extractInventory(state: unknown): Inventory {
  const merged: Record<(typeof KINDS)[number], Map<string, Rec>> = { clusters: new Map(), hosts: new Map(), vms: new Map() };
  const services = state && typeof state === 'object' ? ((state as Rec).services ?? state) : {};
  const visit = (node: unknown, depth: number) => {
    if (!node || typeof node !== 'object' || Array.isArray(node) || depth > 3) return;
    for (const [k, v] of Object.entries(node as Rec)) {
      if ((KINDS as readonly string[]).includes(k)) {
        for (const r of records(v)) {
          const id = String(r.id ?? r.vmId ?? r.hostId ?? r.clusterId ?? '');
          if (!id) continue;
          const map = merged[k as (typeof KINDS)[number]];
          map.set(id, { ...(map.get(id) ?? {}), ...r, id });
        }
      } else {
        visit(v, depth + 1);
      }
    }
  };
  visit(services, 0);
  const sorted = (m: Map<string, Rec>) => [...m.values()].sort((a, b) => String(a.name ?? a.id).localeCompare(String(b.name ?? b.id)));
  return { clusters: sorted(merged.clusters), hosts: sorted(merged.hosts), vms: sorted(merged.vms) };
}

/** The host id of a VM record, whatever the field is called. */
export function vmHostId(vm: Rec): string | null {
  const h = vm.hostId ?? (vm.host && typeof vm.host === 'object' ? (vm.host as Rec).id : vm.host);
  return typeof h === 'string' && h ? h : null;
}

/** A host record's state as the API shows it (from the vrm inventory's power, fault and maintenance). */
export function hostStateOf(host: Rec): string | null {
  if (typeof host.power !== 'string') return null;
  return hostState({ power: host.power as HostPowerState, fault: (host.fault ?? null) as HaHostFaultKind | null, maintenance: host.maintenance === true, vmCount: typeof host.vmCount === 'number' ? host.vmCount : 0 });
}
