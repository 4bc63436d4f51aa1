// One tick of the io-backend (phase io-backend of the vrm clock), decided as a pure function of the state (no I/O):
//   1. deleted VMs (and failed creations) give their devices back (DetachDevices)
//   2. power / host changes the inventory made since io last saw a VM: CloseDevices, MoveDevices, DiscoverDevices
//   3. the I/O sample of every host (SampleIo, one per distinct scenario seed)
// Each command is decided on a copy-on-write scratch state (scratch.ts) that holds the earlier ones; a refusal is
// reported in `skipped` and tried again next tick. commands.ts appends the events, one batch per `io-<clusterId>`.
import { VirtsimError, type IoEvent, type TickRequest } from '@virtsim/contracts';
import { io } from '@virtsim/domain';
import { ScratchIo } from './scratch.js';
import { POWERED, UNPOWERED, type IoBackendState } from './state.js';

export interface TickSkip { vmId: string; command: io.IoCommand['type']; code: string; rule: string | null; message: string }
export interface TickAnswer {
  events: number;
  discovered: number;
  closed: number;
  moved: number;
  detached: number;
  statsChanged: number;
  /** reconciliations the domain refused (retried next tick) */
  skipped: TickSkip[];
  repeated?: boolean;
}

export const emptyTick = (): TickAnswer => ({ events: 0, discovered: 0, closed: 0, moved: 0, detached: 0, statsChanged: 0, skipped: [] });

/** the tick's events per cluster and its answer (`events` is counted by the caller, from the batches) */
export function planTick(s: IoBackendState, req: TickRequest): { perCluster: Map<string, IoEvent[]>; answer: TickAnswer } {
  const answer = emptyTick();
  const perCluster = new Map<string, IoEvent[]>();
  // decisions of this tick are folded into a copy-on-write scratch state: the live one is untouched
  const work = new ScratchIo(s.io);
  const scratch = work.state;
  const emit = (clusterId: string, command: io.IoCommand & { vmId: string }): boolean => {
    try {
      const events = io.decideIo(command, scratch);
      for (const e of events) work.apply(e);
      if (events.length) listOf(perCluster, clusterId).push(...events);
      return events.length > 0;
    } catch (err) {
      const e = VirtsimError.from(err);
      answer.skipped.push({ vmId: command.vmId, command: command.type, code: e.code, rule: typeof e.details?.rule === 'string' ? e.details.rule : null, message: e.message });
      return false;
    }
  };
  // 1. deleted VMs (and failed creations) give their devices back
  for (const vmId of Object.keys(s.gone).sort(byId)) if (emit(s.gone[vmId].clusterId, { type: 'DetachDevices', vmId, reason: s.gone[vmId].reason })) answer.detached++;
  // 2. power / host changes the inventory made since io last saw the VM
  for (const vmId of outOfSync(s)) {
    const vm = s.vms[vmId];
    const dev = io.vmOf(scratch, vmId)!;
    if (UNPOWERED.has(vm.power) && dev.powered && emit(vm.clusterId, { type: 'CloseDevices', vmId })) answer.closed++;
    if (vm.hostId && vm.hostId !== dev.hostId && s.hostSpecs[vm.hostId]) {
      if (emit(vm.clusterId, { type: 'MoveDevices', vmId, toHostId: vm.hostId, toHost: s.hostSpecs[vm.hostId], reason: vm.moveReason })) answer.moved++;
    }
    if (POWERED.has(vm.power) && !io.vmOf(scratch, vmId)!.powered && emit(vm.clusterId, { type: 'DiscoverDevices', vmId })) answer.discovered++;
  }
  // 3. the I/O sample of every host (one ioTick per distinct scenario seed)
  for (const e of sample(s, scratch, req)) {
    listOf(perCluster, s.hostCluster[(e.data as { hostId: string }).hostId] ?? '').push(e);
    answer.statsChanged++;
  }
  return { perCluster, answer };
}

/** VMs whose devices io holds but whose power state or host the inventory changed, sorted by id. */
function outOfSync(s: IoBackendState): string[] {
  const out: string[] = [];
  for (const key in s.io.vmBuckets) {
    const bucket = s.io.vmBuckets[key];
    for (const vmId in bucket) {
      const vm = s.vms[vmId];
      if (!vm) continue;
      const dev = bucket[vmId];
      if ((vm.hostId !== null && vm.hostId !== dev.hostId) || (dev.powered ? UNPOWERED.has(vm.power) : POWERED.has(vm.power))) out.push(vmId);
    }
  }
  return out.sort(byId);
}

function sample(s: IoBackendState, state: io.IoState, req: TickRequest): IoEvent[] {
  const bySeed = new Map<number, string[]>();
  for (const hostId in state.hosts) {
    const seed = s.clusterSeeds[s.hostCluster[hostId]] ?? 1;
    listOf(bySeed, seed).push(hostId);
  }
  const input = { simTime: req.simTime, tickSeconds: req.tickSeconds };
  if (bySeed.size <= 1) return io.decideIo({ type: 'SampleIo', ...input, scenarioSeed: [...bySeed.keys()][0] ?? 1 }, state);
  const events: IoEvent[] = [];
  for (const seed of [...bySeed.keys()].sort((a, b) => a - b)) {
    const hosts = Object.fromEntries(bySeed.get(seed)!.map((id) => [id, state.hosts[id]]));
    events.push(...io.decideIo({ type: 'SampleIo', ...input, scenarioSeed: seed }, { hosts, vmBuckets: state.vmBuckets }));
  }
  return events.sort((a, b) => byId((a.data as { hostId: string }).hostId, (b.data as { hostId: string }).hostId));
}

export function listOf<K, V>(m: Map<K, V[]>, k: K): V[] {
  let xs = m.get(k);
  if (!xs) m.set(k, (xs = []));
  return xs;
}

export const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
