// Applying a what-if's changes and steps to a fork through the fork's own REST API (the same validation,
// sagas and tasks as for an operator), and advancing its clock. Names resolve against the fork's inventory.
import { invalid, unprocessable } from '@virtsim/contracts';
import type { inventory } from '@virtsim/domain';
import type { Change, WhatIfStep } from './schema.js';

export interface ForkApi {
  url: string;
  token: string;
  /** the fork vrm's inventory now */
  inventory: () => inventory.InventoryView;
}

async function call(api: ForkApi, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${api.url}${path}`, {
    method, headers: { authorization: `Bearer ${api.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (res.status >= 400) {
    const p = parsed as { detail?: string; title?: string } | null;
    throw unprocessable('whatif.step', `the fork refused ${method} ${path}: ${p?.detail ?? p?.title ?? res.status}`, { status: res.status, answer: parsed });
  }
  return parsed;
}

export const advance = (api: ForkApi, seconds: number) => call(api, 'POST', '/sim/advance', { seconds });
export const stateHash = async (api: ForkApi) => (await call(api, 'GET', '/state/hash')) as { position: number; hash: string };

/** the cluster a what-if changes: the one named, else the first by id */
export function clusterOf(inv: inventory.InventoryView, ref?: string): string {
  const ids = Object.keys(inv.clusters).sort();
  const id = ref === undefined ? ids[0] : ids.find((c) => c === ref || inv.clusters[c]!.spec.name === ref);
  if (!id) throw invalid(ref === undefined ? 'the installation has no cluster to fork' : `no cluster ${ref}`, [{ path: 'cluster', message: 'unknown cluster' }]);
  return id;
}

function hostId(inv: inventory.InventoryView, ref: string): string {
  const id = inv.hosts[ref] ? ref : Object.values(inv.hosts).find((h) => h.spec.name === ref)?.id;
  if (!id) throw invalid(`no host ${ref} at the fork position`, [{ path: 'host', message: `unknown host ${ref}` }]);
  return id;
}

function vmId(inv: inventory.InventoryView, ref: string): string {
  const id = inv.vms[ref] ? ref : Object.values(inv.vms).find((v) => v.spec.name === ref)?.id;
  if (!id) throw invalid(`no VM ${ref} at the fork position`, [{ path: 'vm', message: `unknown VM ${ref}` }]);
  return id;
}

/** Hosts a `removeHosts` change takes out: evacuated (maintenance) first, powered off once their last VM has
 *  left, so they hold nothing and count in no figure (host-hours included) from then on. */
export interface Removals { pending: string[] }

/** applies one change (or a step's action) to the fork */
export async function apply(api: ForkApi, clusterId: string, change: Change, removals: Removals = { pending: [] }): Promise<void> {
  const inv = api.inventory();
  if ('policy' in change) { await call(api, 'PATCH', `/clusters/${clusterId}`, change.policy); return; }
  if ('addHosts' in change) {
    const like = change.addHosts.like ? inv.hosts[hostId(inv, change.addHosts.like)]!.spec : Object.values(inv.hosts).find((h) => h.clusterId === clusterId)?.spec;
    const spec = change.addHosts.spec ?? like;
    if (!spec) throw invalid('addHosts needs a spec or a host to copy (like)', [{ path: 'addHosts', message: 'no spec' }]);
    const base = spec.name;
    for (let n = 1; n <= change.addHosts.count; n++) await call(api, 'POST', `/clusters/${clusterId}/hosts`, { ...spec, name: `${base}-whatif-${n}` });
    return;
  }
  if ('removeHosts' in change) {
    for (const ref of change.removeHosts) {
      const id = hostId(inv, ref);
      await call(api, 'POST', `/hosts/${id}/maintenance`, { enter: true });
      removals.pending.push(id);
    }
    await powerOffEvacuated(api, removals);
    return;
  }
  if ('fault' in change) {
    const f = change.fault;
    if ('host' in f) await call(api, 'POST', `/hosts/${hostId(inv, f.host)}/faults`, { kind: f.kind });
    else await call(api, 'POST', `/vms/${vmId(inv, f.vm)}/faults`, { kind: f.kind });
    return;
  }
  if ('recover' in change) { await call(api, 'POST', `/hosts/${hostId(inv, change.recover.host)}/recover`, {}); return; }
  if ('maintenance' in change) { await call(api, 'POST', `/hosts/${hostId(inv, change.maintenance.host)}/maintenance`, { enter: change.maintenance.enter }); return; }
  await call(api, 'POST', `/hosts/${hostId(inv, change.power.host)}/power`, { on: change.power.on });
}

/** states in which a VM holds its host (the inventory refuses a power-off while any VM is in one) */
const IDLE_STATES = new Set(['stopped', 'failed', 'creating']);

/** powers off every host being removed that no running VM is left on (stopped VMs may stay registered there) */
async function powerOffEvacuated(api: ForkApi, removals: Removals): Promise<void> {
  const inv = api.inventory();
  const left: string[] = [];
  for (const id of removals.pending) {
    const h = inv.hosts[id];
    if (!h) continue;
    const busy = Object.keys(h.vmIds).some((vmId) => { const s = inv.vms[vmId]?.state; return s !== undefined && !IDLE_STATES.has(s); });
    if (busy) left.push(id);
    else if (h.power === 'on') await call(api, 'POST', `/hosts/${id}/power`, { on: false });
  }
  removals.pending = left;
}

/** While hosts are being removed, the clock moves a minute at a time so each is powered off soon after it is empty. */
const REMOVAL_CHECK_SECONDS = 60;

async function advanceBy(api: ForkApi, seconds: number, removals: Removals): Promise<void> {
  for (let left = seconds; left > 0;) {
    const step = removals.pending.length ? Math.min(REMOVAL_CHECK_SECONDS, left) : left;
    await advance(api, step);
    left -= step;
    if (removals.pending.length) await powerOffEvacuated(api, removals);
  }
}

/** the changes at second 0, then each step at its second, the clock advanced in between, up to `seconds` */
export async function runTimeline(api: ForkApi, clusterId: string, changes: Change[], steps: WhatIfStep[], seconds: number, onTick?: (t: number) => void): Promise<void> {
  const removals: Removals = { pending: [] };
  for (const c of changes) await apply(api, clusterId, c, removals);
  let now = 0;
  const ordered = steps.map((s, i) => ({ s, i })).sort((a, b) => a.s.at - b.s.at || a.i - b.i).map((x) => x.s);
  for (const step of ordered) {
    if (step.at > now) { await advanceBy(api, step.at - now, removals); now = step.at; onTick?.(now); }
    await apply(api, clusterId, step.do, removals);
  }
  if (seconds > now) { await advanceBy(api, seconds - now, removals); onTick?.(seconds); }
}
