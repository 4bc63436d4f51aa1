// One tick of the memory-manager, planned on the caught-up state (pure; the handler appends it in ONE append,
// one batch per `memory-<clusterId>` stream, and answers after the projection applied it):
//   1. memory follows relocations: a VM whose placement host (VmRelocated, recorded by migration or HA) differs
//      from the host holding its memory gets VmMemoryMoved to the placement host. The VM already runs there, so
//      the move is forced: an admission refusal is written into the event's reason instead of stopping it.
//      (Projections never append, so this happens on the first tick after the relocation.)
//   2. offline resizes: a VmReconfigured size the memory context has not got yet -> VmMemoryResized
//      (refusals stay pending and are retried each tick, reported in `refused`)
//   3. reclamation: memory.planMemoryTick (page sharing, free state, balloon, swap; changes only) on a
//      copy-on-write overlay that already holds steps 1 and 2, so moved VMs are reclaimed on their new host.
import { VirtsimError, type EventOf, type MemoryEvent } from '@virtsim/contracts';
import { memory } from '@virtsim/domain';
import { memoryStream, type MemoryManagerState } from './state.js';

export interface TickInput { simTime: number; tickSeconds: number }
export interface TickRefusal { vmId: string; action: 'move' | 'resize'; rule: string | null; message: string }

function refusal(vmId: string, action: TickRefusal['action'], err: unknown): TickRefusal {
  const e = VirtsimError.from(err);
  return { vmId, action, rule: (e.details?.rule as string | undefined) ?? null, message: e.message };
}
export interface TickPlan {
  appends: Map<string, EventOf[]>;
  events: number;
  moved: { vmId: string; fromHostId: string; toHostId: string; overLimit: boolean }[];
  resized: string[];
  refused: TickRefusal[];
  stats: { computeMs: number; hosts: number; vms: number };
}

/** Kept for the handlers' import until they take memory.fitNuma directly (the rule lives in the domain). */
export const fitNuma = memory.fitNuma;

export function planTick(s: MemoryManagerState, input: TickInput): TickPlan {
  const started = performance.now();
  const m = s.memory;
  const pre: MemoryEvent[] = [];
  const moved: TickPlan['moved'] = [];
  const resized: string[] = [];
  const refused: TickRefusal[] = [];
  let scratch: ReturnType<typeof memory.overlay> | undefined;
  /** the state with this tick's decisions so far */
  const current = (): memory.MemoryState => scratch?.state ?? m;
  const apply = (events: MemoryEvent[]) => {
    if (events.length === 0) return;
    scratch ??= memory.overlay(m);
    scratch.apply(events);
    pre.push(...events);
  };

  // 1. relocations (sorted: each move sees the previous ones on the overlay)
  // one pass over the VMs finds the relocated ones and counts them for the stats (a second key walk of
  // 8,000 VMs was a measurable part of a full-cluster tick)
  const relocated: string[] = [];
  let vmCount = 0;
  for (const vmId in m.vms) {
    vmCount++;
    const p = s.placements[vmId];
    const from = m.vms[vmId]!.hostId;
    if (p && from && from !== p.hostId && m.hosts[p.hostId]) relocated.push(vmId);
  }
  for (const vmId of relocated.sort()) {
    const cur = current();
    const v = cur.vms[vmId]!;
    const p = s.placements[vmId]!;
    const numa = memory.fitNuma(p.numa, v.memoryMiB, v.vcpus, cur.hosts[p.hostId]!.nodes.length);
    try {
      const events = memory.decideMemory({ type: 'MoveVmMemory', vmId, toHostId: p.hostId, numa, force: true, reason: 'VM relocated' }, cur);
      const e = events[0];
      if (e?.type === 'VmMemoryMoved') moved.push({ vmId, fromHostId: e.data.fromHostId, toHostId: e.data.toHostId, overLimit: e.data.reason.includes('over limit') });
      apply(events);
    } catch (err) {
      refused.push(refusal(vmId, 'move', err));
    }
  }

  // 2. offline resizes recorded by VmReconfigured
  for (const vmId of Object.keys(s.resizes).sort()) {
    const cur = current();
    try {
      const events = memory.decideMemory({ type: 'GrowVmMemory', vmId, memoryMiB: s.resizes[vmId]!, reason: 'VM reconfigured' }, cur);
      if (events.length) resized.push(vmId);
      apply(events);
    } catch (err) {
      refused.push(refusal(vmId, 'resize', err));
    }
  }

  // 3. reclamation
  const base = current();
  const reclaim = memory.planMemoryTick(base, { simTime: input.simTime, tickSeconds: input.tickSeconds });

  const appends = byStream(base, pre, reclaim);
  return {
    appends, events: pre.length + reclaim.length, moved, resized, refused,
    stats: { computeMs: Math.round((performance.now() - started) * 100) / 100, hosts: Object.keys(m.hosts).length, vms: vmCount },
  };
}

/** The events per memory stream, in order. A domain event is already the {type, data} the store takes, so it
 *  goes in as it is (no copy per event), and each cluster's stream name is made once. */
function byStream(m: memory.MemoryState, ...lists: MemoryEvent[][]): Map<string, EventOf[]> {
  const perCluster = new Map<string, EventOf[]>();
  for (const events of lists) {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const clusterId = clusterOf(m, e);
      let list = perCluster.get(clusterId);
      if (!list) perCluster.set(clusterId, (list = []));
      list.push(e);
    }
  }
  return new Map([...perCluster].map(([clusterId, list]) => [memoryStream(clusterId), list]));
}

/** The cluster whose memory stream records an event: the host's (the capacity boundary), else the VM's. */
export function clusterOf(m: memory.MemoryState, e: MemoryEvent): string {
  const d = e.data as { clusterId?: string; hostId?: string | null; toHostId?: string; vmId?: string };
  if (d.clusterId) return d.clusterId;
  const hostId = d.toHostId ?? d.hostId;
  const h = hostId ? m.hosts[hostId] : undefined;
  if (h) return h.clusterId;
  return (d.vmId && m.vms[d.vmId]?.clusterId) || 'unknown';
}
