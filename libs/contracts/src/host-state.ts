// A host's state as the API shows it (vSphere's connection state), from the inventory's power, fault and
// maintenance: one rule for the REST resource and for the CLI, which reads the same fields from GET /state.
import type { HaHostFaultKind } from './events/ha.js';
import type { HostPowerState } from './events/inventory.js';

export type HostState = HostPowerState | 'isolated' | 'not-responding' | 'entering-maintenance' | 'maintenance' | 'connected';

/** in maintenance with VMs still on it: vSphere's "entering maintenance mode", until its last VM has left */
export function hostState(h: { power: HostPowerState; fault: HaHostFaultKind | null; maintenance: boolean; vmCount?: number }): HostState {
  if (h.power !== 'on') return h.power;
  if (h.fault) return h.fault === 'network-isolation' ? 'isolated' : 'not-responding';
  if (!h.maintenance) return 'connected';
  return (h.vmCount ?? 0) > 0 ? 'entering-maintenance' : 'maintenance';
}
