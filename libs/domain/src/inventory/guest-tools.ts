// Guest Tools installed on an existing VM (F1, I3; the seed's fix for a Windows virtio NIC with no driver).
//
// API:
//   checkToolsInstall(view, vmId): VmView   the VM, or a refusal: not-found, vm.state (conflict)
// The Tools installer runs inside the guest (the platform mounts the Tools image into it), so only a
// running VM takes it; a stopped, suspended, migrating or failed one is refused naming its state.
// The install itself is io's (io decider InstallGuestTools -> IoGuestToolsInstalled: the PV drivers it
// carries bind the unbound front-ends); the inventory view folds that event into spec.toolsInstalled.
import { conflict } from '@virtsim/contracts';
import { requireVm } from './lookup.js';
import type { InventoryView, VmView } from './view.js';

export function checkToolsInstall(view: InventoryView, vmId: string): VmView {
  const vm = requireVm(view, vmId);
  if (vm.state !== 'running') {
    throw conflict('vm.state', `VM ${vm.spec.name} is ${vm.state}: Tools are installed inside a running guest; start it first`, { vmId, state: vm.state });
  }
  return vm;
}
