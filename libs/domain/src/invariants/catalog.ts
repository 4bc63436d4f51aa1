// The invariants: each a pure predicate over the joined World, with an id, the sentence it asserts and the
// feature (docs/features.md) it protects. A check answers the breaches it sees for one subject (a VM, a host)
// or for the whole world, each with evidence: what is wrong and the chain of log positions that led there.
import { CLUSTER_LIMITS as LIMITS } from '../inventory/lookup.js';
import { vgpuSlicesPerGpu } from '../io/host-pci.js';
import type { HostFacts, OrderBreach, VmFacts, World } from './world.js';

export interface Evidence { subject: string; detail: string; positions: number[] }

interface Base { id: string; text: string; protects: string[] }
export type Invariant =
  | (Base & { scope: 'vm'; check: (w: World, vmId: string, vm: VmFacts) => Evidence | null })
  | (Base & { scope: 'host'; check: (w: World, hostId: string, host: HostFacts) => Evidence[] })
  /** `sweep`: checked only at ticks (a sweep of a large map); otherwise after every batch */
  | (Base & { scope: 'world'; sweep?: boolean; check: (w: World) => Evidence[] })
  /** judged by a rebuild of every service from the log (GET /verify: decideReplayVerification), not by the world */
  | (Base & { scope: 'replay' });

const RUNNING = new Set(['running']);
const positionsOf = (...chains: number[][]) => [...new Set(chains.flat())].sort((a, b) => a - b);
const fromOrder = (m: Record<string, OrderBreach>): Evidence[] =>
  Object.values(m).map((b) => ({ subject: b.subject, detail: b.detail, positions: b.positions }));

/** a VM that runs for real: inventory says running and HA has not reported it down */
export const runs = (vm: VmFacts) => RUNNING.has(vm.state) && !vm.down;

/** hours of simulated time an unfinished task may take before "every task ends" is breached */
export const TASK_DEADLINE_SECONDS = 3600;

export const INVARIANTS: readonly Invariant[] = [
  {
    id: 'vm-single-host', scope: 'vm', protects: ['C1', 'F7', 'F8'],
    text: 'A VM is placed on at most one host.',
    check: (w, vmId, vm) => vm.hosts.length <= 1 ? null : {
      subject: vmId, detail: `VM ${vmId} is placed on ${vm.hosts.length} hosts: ${vm.hosts.join(', ')}`,
      positions: positionsOf(Object.values(vm.placedAt), vm.chain),
    },
  },
  {
    id: 'vm-runs-on-live-host', scope: 'vm', protects: ['C4', 'F7', 'F10'],
    text: 'Every running VM is on a powered-on host that has not crashed or lost power and is not fenced.',
    check: (w, vmId, vm) => {
      if (!runs(vm)) return null;
      const hostId = vm.hosts[0];
      const h = hostId === undefined ? undefined : w.hosts[hostId];
      if (!h) return { subject: vmId, detail: `VM ${vmId} runs but is placed on no known host`, positions: positionsOf(vm.chain) };
      const why = h.power !== 'on' ? `is powered ${h.power}` : h.crashed ? 'has crashed or lost power' : h.fenced ? 'is fenced' : null;
      return why ? { subject: vmId, detail: `VM ${vmId} runs on host ${hostId}, which ${why}`, positions: positionsOf(vm.chain, h.chain) } : null;
    },
  },
  {
    id: 'host-cpu-reservations', scope: 'host', protects: ['P1', 'F13'],
    text: 'On every host, the CPU reservations of its VMs never exceed its capacity (threads x MHz).',
    check: (w, hostId, h) => h.reservedMhz <= h.cpuMhz ? [] : [{
      subject: hostId, detail: `host ${hostId} has ${h.reservedMhz} MHz reserved of ${h.cpuMhz} MHz`, positions: positionsOf(h.chain),
    }],
  },
  {
    id: 'host-memory-within-overcommit', scope: 'host', protects: ['M4', 'F5', 'M3'],
    text: "On every host, configured VM memory plus overheads never exceeds its VM memory times the cluster's overcommit ratio (1 without memory overcommit), and huge pages used never exceed its pool.",
    check: (w, hostId, h) => {
      const c = w.clusters[h.clusterId];
      const ratio = c?.memoryOvercommit ? c.memoryOvercommitRatio : 1;
      const limit = Math.floor(h.capacityMiB * ratio);
      const out: Evidence[] = [];
      if (h.configuredMiB + h.overheadMiB > limit) {
        out.push({ subject: hostId, detail: `host ${hostId} grants ${h.configuredMiB + h.overheadMiB} MiB, limit ${limit} MiB (ratio ${ratio})`, positions: positionsOf(h.chain) });
      }
      if (h.hugeUsedMiB > h.hugePoolMiB) {
        out.push({ subject: `${hostId}/huge-pages`, detail: `host ${hostId} uses ${h.hugeUsedMiB} MiB of huge pages, pool ${h.hugePoolMiB} MiB`, positions: positionsOf(h.chain) });
      }
      return out;
    },
  },
  {
    id: 'host-swap-within-space', scope: 'host', protects: ['M4', 'F5'],
    text: "On every host, the VMs' swapped memory never exceeds its swap space: what a host grants is at most its physical memory plus swap.",
    check: (w, hostId, h) => h.swappedMiB <= h.swapMiB ? [] : [{
      subject: hostId, detail: `host ${hostId} has ${h.swappedMiB} MiB swapped, swap space ${h.swapMiB} MiB`, positions: positionsOf(h.chain),
    }],
  },
  {
    id: 'huge-pages-never-reclaimed', scope: 'world', protects: ['M3', 'F5'],
    text: 'A VM backed by huge pages is never ballooned or swapped.',
    check: (w) => fromOrder(w.hugeReclaims),
  },
  {
    id: 'device-single-owner', scope: 'world', protects: ['I4', 'I6', 'F3'],
    text: 'A passthrough device belongs to at most one VM, and a GPU lent as vGPU slices is never also passed through.',
    check: (w) => Object.entries(w.devices).flatMap(([key, holders]) => {
      const whole = holders.filter((x) => x.mode === 'passthrough');
      if (whole.length === 0 || holders.length === 1) return [];
      const vms = holders.map((x) => `${x.vmId} (${x.mode} ${x.deviceId})`).join(', ');
      return [{ subject: key, detail: `host PCI function ${key} is held by ${vms}`, positions: positionsOf(...holders.map((x) => w.vms[x.vmId]?.chain ?? [])) }];
    }),
  },
  {
    id: 'vgpu-slices-within-gpu', scope: 'world', protects: ['I6', 'F3'],
    text: 'A GPU lent as vGPU runs one profile, and never holds more slices of it than its framebuffer divides into.',
    check: (w) => Object.entries(w.devices).flatMap(([key, holders]) => {
      const slices = holders.filter((x) => x.mode === 'vgpu');
      if (slices.length === 0) return [];
      const [hostId, index] = key.split('/');
      const offered = w.hosts[hostId!]?.gpuProfiles[Number(index)] ?? [];
      const profiles = [...new Set(slices.map((x) => x.profile ?? '?'))];
      const positions = positionsOf(...slices.map((x) => w.vms[x.vmId]?.chain ?? []));
      if (profiles.length > 1) return [{ subject: key, detail: `GPU ${key} runs ${profiles.length} vGPU profiles at once (${profiles.join(', ')})`, positions }];
      const max = vgpuSlicesPerGpu(profiles[0]!, offered);
      return slices.length <= max ? [] : [{ subject: key, detail: `GPU ${key} holds ${slices.length} ${profiles[0]} slices, room for ${max}`, positions }];
    }),
  },
  {
    id: 'must-rules-hold', scope: 'vm', protects: ['F12'],
    text: 'Every running VM keeps its must rules: on a host its vm-host-must rule lists, never on one its vm-host-must-not rule lists.',
    check: (w, vmId, vm) => {
      if (!runs(vm) || vm.hosts.length === 0) return null;
      const hostId = vm.hosts[0]!;
      for (const [ruleId, r] of Object.entries(w.rules)) {
        if (!r.spec.vms.includes(vmId)) continue;
        const listed = (r.spec.hosts ?? []).includes(hostId);
        if ((r.spec.kind === 'vm-host-must' && !listed) || (r.spec.kind === 'vm-host-must-not' && listed)) {
          return { subject: vmId, detail: `VM ${vmId} runs on ${hostId}, against ${r.spec.kind} rule ${ruleId} (${r.spec.name})`, positions: positionsOf(vm.chain, [r.position]) };
        }
      }
      return null;
    },
  },
  {
    id: 'ha-fence-before-restart', scope: 'world', protects: ['F7'],
    text: 'HA restarts a VM of a failed or isolated host elsewhere only after that host is fenced.',
    check: (w) => fromOrder(w.unfencedRestarts),
  },
  {
    id: 'no-vm-runs-twice', scope: 'host', protects: ['F7', 'C1'],
    text: 'After a host returns, no VM that runs elsewhere keeps a copy on it.',
    check: (w, hostId, h) => {
      if (h.down || h.power !== 'on' || h.crashed) return [];
      return (w.staleCopies[hostId] ?? []).flatMap((vmId) => {
        const vm = w.vms[vmId];
        if (!vm || !runs(vm) || vm.hosts[0] === hostId) return [];
        return [{ subject: `${vmId}@${hostId}`, detail: `host ${hostId} returned with a copy of VM ${vmId}, which runs on ${vm.hosts[0]}`, positions: positionsOf(h.chain, vm.chain) }];
      });
    },
  },
  {
    id: 'migration-target-available', scope: 'world', protects: ['F8', 'F9', 'F10'],
    text: 'No live migration targets, or lands on, a host in maintenance or standby (or powered off).',
    check: (w) => fromOrder(w.badTargets),
  },
  {
    id: 'cluster-limits', scope: 'world', protects: ['F2'],
    text: `A cluster holds at most ${LIMITS.maxHosts} hosts and ${LIMITS.maxVms} VMs.`,
    check: (w) => Object.entries(w.clusters).flatMap(([clusterId, c]) => [
      ...(c.hosts > LIMITS.maxHosts ? [{ subject: `${clusterId}/hosts`, detail: `cluster ${clusterId} holds ${c.hosts} hosts, limit ${LIMITS.maxHosts}`, positions: [w.position] }] : []),
      ...(c.vms > LIMITS.maxVms ? [{ subject: `${clusterId}/vms`, detail: `cluster ${clusterId} holds ${c.vms} VMs, limit ${LIMITS.maxVms}`, positions: [w.position] }] : []),
    ]),
  },
  {
    id: 'migration-concurrency', scope: 'world', protects: ['F8', 'F9'],
    text: 'No host migration link or datastore runs more migrations at once than its limit (vMotion: 4 on 1 GbE, 8 on 10 GbE; 8 per datastore).',
    check: (w) => Object.entries(w.links).filter(([, u]) => u.running.length > u.max).map(([linkId, u]) => ({
      subject: linkId, detail: `${linkId} runs ${u.running.length} migrations at once, limit ${u.max}: ${u.running.join(', ')}`, positions: [...u.positions],
    })),
  },
  {
    id: 'ha-reserve-kept', scope: 'world', protects: ['F7'],
    text: 'With HA admission control enforced and every host up, no power-on leaves less capacity than restarting every VM after the tolerated host failures needs.',
    check: (w) => fromOrder(w.haReserve),
  },
  {
    id: 'tasks-end', scope: 'world', sweep: true, protects: ['F2', 'F13'],
    text: `Every task ends (succeeds or fails) within ${TASK_DEADLINE_SECONDS} s of simulated time.`,
    check: (w) => Object.entries(w.tasks)
      .filter(([, t]) => w.simTime - t.createdAt > TASK_DEADLINE_SECONDS)
      .map(([taskId, t]) => ({ subject: taskId, detail: `task ${taskId} (${t.kind}${t.target ? ` ${t.target}` : ''}) open since ${t.createdAt} s, now ${w.simTime} s`, positions: [t.position] })),
  },
  {
    id: 'state-equals-replay', scope: 'replay', protects: ['B1', 'B3'],
    text: "Every service's live state equals its state rebuilt from the log at the same position (checked by each verification).",
  },
  {
    id: 'log-positions-increase', scope: 'world', protects: ['B1', 'B3'],
    text: 'Log positions strictly increase: no event is seen twice or out of order.',
    check: (w) => w.disorder.length === 0 ? [] : [{ subject: 'log', detail: `${w.disorder.length} event(s) at or below an earlier position`, positions: w.disorder.slice(0, 16) }],
  },
];

export const invariantById = (id: string): Invariant | undefined => INVARIANTS.find((i) => i.id === id);
