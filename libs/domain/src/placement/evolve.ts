// Projection of the placement state from the log: InventoryEvent + PlacementEvent + PlacementDecisionEvent.
//
//   evolvePlacement(state, event) -> state      MUTATES and returns the same object: O(1) per event, so a
//                                               scheduler replays 8,000 VMs without copying Records. Take
//                                               structuredClone(state) first if the old state is still needed.
//   setHostAvailable(state, hostId, available)  HA's verdict (failed / isolated host = false); not an event here
//                                               because the HA context owns host-failure events.
//   applyHaVerdict(state, haEvent)              the same verdict read from HA's events (what the scheduler folds)
// Events for unknown clusters, hosts or VMs are ignored (a sharded scheduler sees other clusters' events).
import type { HaEvent, InventoryEvent, PlacementDecisionEvent, PlacementEvent, VmSpec } from '@virtsim/contracts';
import { attachVm, detachVm } from './accounting.js';
import { byNameThenId, newHost, type PlacementState } from './model.js';
import { addRule, brokenShouldRules, removeRule } from './rules.js';

export type PlacementInput = InventoryEvent | PlacementEvent | PlacementDecisionEvent;

export function setHostAvailable(state: PlacementState, hostId: string, available: boolean, isolatedRunning = false): PlacementState {
  const host = state.hosts[hostId];
  if (host) { host.available = available; host.isolatedRunning = !available && isolatedRunning; }
  return state;
}

/** HA's verdict on a host from HA's own events. Failed, fenced or isolated: no VM may go there. Isolated with
 *  response leave-running: its VMs still run (scheduled and sampled) until HA declares it failed. Recovered: a
 *  target again at once (HostRecovered is the verdict; nothing waits for another tick). Other events: unchanged. */
export function applyHaVerdict(state: PlacementState, e: HaEvent): PlacementState {
  switch (e.type) {
    case 'HostIsolationDetected': return setHostAvailable(state, e.data.hostId, false, e.data.response === 'leave-running');
    case 'HostFailureDetected':
    case 'HostFenced': return setHostAvailable(state, e.data.hostId, false);
    case 'HostRecovered': return setHostAvailable(state, e.data.hostId, true);
    default: return state;
  }
}

function addHost(state: PlacementState, hostId: string, clusterId: string, spec: Parameters<typeof newHost>[2]): void {
  const cluster = state.clusters[clusterId];
  if (!cluster || state.hosts[hostId]) return;
  state.hosts[hostId] = newHost(hostId, clusterId, spec);
  cluster.hostIds = [...cluster.hostIds, hostId].sort((a, b) => byNameThenId(state.hosts[a]!, state.hosts[b]!));
}

/** A placed VM whose spec changes is re-accounted on the same host (NUMA recomputed, GPUs re-picked). */
function respec(state: PlacementState, vmId: string, spec: VmSpec): void {
  const vm = state.vms[vmId];
  if (!vm) return;
  const { hostId, brokenShouldRules: broken } = vm;
  if (hostId) detachVm(state, vmId);
  state.vms[vmId] = { ...state.vms[vmId]!, spec };
  if (hostId) {
    attachVm(state, vmId, hostId, null);
    state.vms[vmId] = { ...state.vms[vmId]!, brokenShouldRules: broken };
  }
}

/** I3 with issue 15's charge: Tools installed on a running VM (io's IoGuestToolsInstalled) bring its PV drivers,
 *  so its virtio devices carry I/O from now on and the scheduler charges their exits and back-end work. */
export function applyGuestToolsInstalled(state: PlacementState, vmId: string): PlacementState {
  const vm = state.vms[vmId];
  if (vm && !vm.spec.toolsInstalled) state.vms[vmId] = { ...vm, spec: { ...vm.spec, toolsInstalled: true } };
  return state;
}

function forget(state: PlacementState, vmId: string): void {
  detachVm(state, vmId);
  delete state.vms[vmId];
}

function place(state: PlacementState, vmId: string, hostId: string, numa: Parameters<typeof attachVm>[3], broken?: string[]): void {
  if (!state.vms[vmId] || !state.hosts[hostId]) return;
  attachVm(state, vmId, hostId, numa);
  state.vms[vmId] = { ...state.vms[vmId]!, brokenShouldRules: broken ?? brokenShouldRules(state, vmId, hostId) };
}

export function evolvePlacement(state: PlacementState, event: PlacementInput): PlacementState {
  switch (event.type) {
    case 'ClusterCreated':
      state.clusters[event.data.clusterId] = { id: event.data.clusterId, spec: event.data.spec, hostIds: [], dpm: { band: 'within', since: 0 } };
      break;
    case 'ClusterPolicyChanged': {
      const c = state.clusters[event.data.clusterId];
      if (c) c.spec = { ...c.spec, ...event.data.patch } as typeof c.spec;
      break;
    }
    case 'HostAdded': addHost(state, event.data.hostId, event.data.clusterId, event.data.spec); break;
    case 'HostPoweredOn': if (state.hosts[event.data.hostId]) state.hosts[event.data.hostId]!.power = 'on'; break;
    case 'HostPoweredOff': if (state.hosts[event.data.hostId]) state.hosts[event.data.hostId]!.power = event.data.standby ? 'standby' : 'off'; break;
    case 'HostMaintenanceEntered': if (state.hosts[event.data.hostId]) state.hosts[event.data.hostId]!.maintenance = true; break;
    case 'HostMaintenanceExited': if (state.hosts[event.data.hostId]) state.hosts[event.data.hostId]!.maintenance = false; break;
    case 'VmCreationRequested': {
      const { vmId, spec } = event.data;
      const old = state.vms[vmId];
      if (old) respec(state, vmId, spec);
      else state.vms[vmId] = { id: vmId, clusterId: spec.clusterId, spec, state: 'creating', hostId: null, numa: null, gpus: [], brokenShouldRules: [] };
      break;
    }
    case 'VmCreated': if (state.vms[event.data.vmId]?.hostId !== event.data.hostId) place(state, event.data.vmId, event.data.hostId, null); break;
    case 'VmCreationFailed': forget(state, event.data.vmId); break;
    case 'VmDeleted': forget(state, event.data.vmId); break;
    case 'VmStateChanged': {
      const vm = state.vms[event.data.vmId];
      if (!vm) break;
      if (event.data.to === 'deleted') forget(state, vm.id);
      else state.vms[vm.id] = { ...vm, state: event.data.to };
      break;
    }
    case 'VmReconfigured': {
      const vm = state.vms[event.data.vmId];
      if (vm) respec(state, vm.id, { ...vm.spec, vcpus: event.data.vcpus, memoryMiB: event.data.memoryMiB });
      break;
    }
    case 'RuleCreated': addRule(state, event.data.ruleId, event.data.clusterId, event.data.spec); break;
    case 'RuleDeleted': removeRule(state, event.data.ruleId); break;
    case 'RuleComplianceChanged': {
      const rule = state.rules[event.data.ruleId];
      if (rule) rule.compliance = { compliant: event.data.compliant, vmIds: event.data.vmIds };
      break;
    }
    case 'VmPlaced': place(state, event.data.vmId, event.data.hostId, event.data.numa, event.data.brokenShouldRules); break;
    case 'VmPlacementReleased': detachVm(state, event.data.vmId); break;
    case 'VmRelocated': {
      // C4: a move across clusters; the VM counts in its new cluster (migrationsOf, DRS, rules read clusterId)
      const vm = state.vms[event.data.vmId];
      if (vm && event.data.clusterId && vm.clusterId !== event.data.clusterId) {
        state.vms[vm.id] = { ...vm, clusterId: event.data.clusterId, spec: { ...vm.spec, clusterId: event.data.clusterId } };
      }
      place(state, event.data.vmId, event.data.toHostId, event.data.numa);
      break;
    }
    case 'DpmBandChanged': {
      const c = state.clusters[event.data.clusterId];
      if (c) c.dpm = { band: event.data.band, since: event.data.since };
      break;
    }
    case 'DpmHostPowerOffRecommended':
    case 'DpmHostPowerOnRecommended': {
      // Restart the band timer so the next recommendation waits a full window (hysteresis).
      const c = state.clusters[event.data.clusterId];
      if (c) c.dpm = { band: c.dpm.band, since: event.data.simTime };
      break;
    }
    case 'DpmHostPowerOffHeld': {
      const c = state.clusters[event.data.clusterId];
      if (c) c.dpm = { ...c.dpm, held: `${event.data.why}:${event.data.hostId ?? ''}` };
      break;
    }
    default:
      break;
  }
  return state;
}
