// Domain gauges of the inventory, read from the vrm's projection when Prometheus scrapes: hosts by state, VMs
// by state, running migrations (VMs migrating), the simulated clock. They describe the installation, so every
// vrm (leader or standby: both fold the whole log) reports the same values.
import { Gauge } from 'prom-client';
import { registry, type Runtime } from '@virtsim/service-kit';
import { vrmProjection, type VrmState } from './state.js';

const HOST_STATES = ['on', 'off', 'standby', 'maintenance', 'faulted'] as const;
const VM_STATES = ['creating', 'stopped', 'starting', 'running', 'suspended', 'stopping', 'migrating', 'failed'] as const;

/** the runtime whose vrm projection the gauges read (the latest started in this process) */
let source: Runtime | null = null;
const state = () => source?.projections.get(vrmProjection.name)?.state as VrmState | undefined;

function hostState(h: VrmState['inventory']['hosts'][string]): (typeof HOST_STATES)[number] {
  if (h.fault) return 'faulted';
  return h.maintenance ? 'maintenance' : h.power;
}

new Gauge({
  name: 'virtsim_hosts', help: 'hosts by state (power on / off / standby; maintenance and faulted take precedence)', labelNames: ['state'], registers: [registry],
  collect() {
    const counts = Object.fromEntries(HOST_STATES.map((s) => [s, 0]));
    for (const h of Object.values(state()?.inventory.hosts ?? {})) counts[hostState(h)]! += 1;
    for (const s of HOST_STATES) this.set({ state: s }, counts[s]!);
  },
});
new Gauge({
  name: 'virtsim_vms', help: 'VMs by state (deleted ones not counted)', labelNames: ['state'], registers: [registry],
  collect() {
    const counts = Object.fromEntries(VM_STATES.map((s) => [s, 0]));
    for (const v of Object.values(state()?.inventory.vms ?? {})) if (v.state in counts) counts[v.state]! += 1;
    for (const s of VM_STATES) this.set({ state: s }, counts[s]!);
  },
});
new Gauge({
  name: 'virtsim_migrations_running', help: 'live or cold migrations in progress (VMs migrating)', registers: [registry],
  collect() {
    this.set(Object.values(state()?.inventory.vms ?? {}).filter((v) => v.state === 'migrating').length);
  },
});
new Gauge({
  name: 'virtsim_simulated_time_seconds', help: 'the simulated clock (POST /sim/advance moves it)', registers: [registry],
  collect() {
    this.set(state()?.clock.simTime ?? 0);
  },
});

export function vrmDomainMetrics(rt: Runtime): void {
  source = rt;
  rt.onClose(() => { if (source === rt) source = null; });
}
