// Evacuation planner for maintenance mode (HA.md 7) and DPM host power-off (F10).
//
// API:
//   planEvacuation({hostId, hostName, vms, place}): EvacuationPlan
//       vms: the VMs on the host; place(vm): {targetHostId} | {refusal}: the scheduler's choice, called once
//       per movable VM in plan order (largest memory first, then name, then id) so a stateful placer can
//       account for what it already placed.
//       -> {ok: true, moves} (live for running VMs, cold for stopped / suspended ones)
//        | {ok: false, refusals: [{vmId, name, reason}], error}   nothing is requested when any VM cannot move
//   requireEvacuation(input): EvacuationMove[]   the same, throwing the error (unprocessable 'evacuation')
import { unprocessable, type VirtsimError, type VmState } from '@virtsim/contracts';

export interface EvacuationVm {
  id: string;
  name: string;
  state: VmState;
  memoryMiB: number;
  passthroughDevices: readonly string[];
}

export type EvacuationPlacement = { targetHostId: string } | { refusal: string };

export interface EvacuationMove { vmId: string; kind: 'live' | 'cold'; sourceHostId: string; targetHostId: string }
export interface EvacuationRefusal { vmId: string; name: string; reason: string }
export type EvacuationPlan =
  | { ok: true; moves: EvacuationMove[] }
  | { ok: false; refusals: EvacuationRefusal[]; error: VirtsimError };

export interface EvacuationInput {
  hostId: string;
  hostName: string;
  vms: readonly EvacuationVm[];
  place: (vm: EvacuationVm) => EvacuationPlacement;
}

/** States a VM can be moved out of; a VM mid-migration or being created holds the host until it settles. */
const MOVABLE: Readonly<Partial<Record<VmState, 'live' | 'cold'>>> = { running: 'live', stopped: 'cold', suspended: 'cold' };
const GONE: ReadonlySet<VmState> = new Set<VmState>(['deleted', 'failed']);

export function planEvacuation({ hostId, hostName, vms, place }: EvacuationInput): EvacuationPlan {
  const ordered = [...vms].filter((v) => !GONE.has(v.state)).sort((a, b) =>
    b.memoryMiB - a.memoryMiB || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const moves: EvacuationMove[] = [];
  const refusals: EvacuationRefusal[] = [];
  for (const vm of ordered) {
    const kind = MOVABLE[vm.state];
    if (!kind) { refusals.push({ vmId: vm.id, name: vm.name, reason: `is ${vm.state}: wait until it settles` }); continue; }
    if (kind === 'live' && vm.passthroughDevices.length) {
      refusals.push({ vmId: vm.id, name: vm.name, reason: `has passthrough devices (${vm.passthroughDevices.join(', ')}): power it off or detach them` });
      continue;
    }
    const placed = place(vm);
    if ('refusal' in placed) { refusals.push({ vmId: vm.id, name: vm.name, reason: placed.refusal }); continue; }
    if (placed.targetHostId === hostId) { refusals.push({ vmId: vm.id, name: vm.name, reason: `placement chose the host being evacuated` }); continue; }
    moves.push({ vmId: vm.id, kind, sourceHostId: hostId, targetHostId: placed.targetHostId });
  }
  if (!refusals.length) return { ok: true, moves };
  const list = refusals.map((r) => `VM ${r.name} (${r.vmId}) ${r.reason}`).join('; ');
  const error = unprocessable('evacuation', `host ${hostName} (${hostId}) cannot be evacuated: ${list}`, { hostId, refusals });
  return { ok: false, refusals, error };
}

export function requireEvacuation(input: EvacuationInput): EvacuationMove[] {
  const plan = planEvacuation(input);
  if (!plan.ok) throw plan.error;
  return plan.moves;
}
