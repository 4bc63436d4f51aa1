// Domain gauges, computed when /metrics is scraped from the projections this process holds: each service
// reports what its own state knows (all of them in the embedded process). The states are read structurally:
// the service kit does not depend on the apps.
import { Gauge } from 'prom-client';
import { registry } from './metrics.js';
import type { Runtime } from './runtime.js';

type Any = Record<string, any>;
const HOST_STATES = ['on', 'off', 'standby', 'maintenance', 'faulted'] as const;
const VM_STATES = ['creating', 'stopped', 'starting', 'running', 'suspended', 'stopping', 'migrating', 'failed'] as const;

const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
const hosts = gauge('virtsim_hosts', 'hosts by state (vrm: power on / off / standby; maintenance and faulted take precedence)', ['state']);
const vms = gauge('virtsim_vms', 'VMs by state (vrm; deleted ones not counted)', ['state']);
const migrations = gauge('virtsim_migrations_running', 'live or cold migrations in progress (vrm: VMs migrating)');
const simTime = gauge('virtsim_simulated_time_seconds', 'the simulated clock (vrm; POST /sim/advance moves it)');
const ballooned = gauge('virtsim_memory_ballooned_mib', 'guest memory reclaimed by balloon drivers, all VMs (memory-manager)');
const swapped = gauge('virtsim_memory_swapped_mib', 'guest memory swapped out by the hypervisor, all VMs (memory-manager)');
const haRestarts = gauge('virtsim_ha_vm_restarts', 'VM restarts by HA since the log began (ha-monitor; a gauge: it is read from the state, not counted here)');
const drs = gauge('virtsim_drs_recommendations', 'recommendations of the last DRS pass of every cluster, by status: applied ones are DRS moves (scheduler)', ['status']);

const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((n, x) => n + (f(x) || 0), 0);
const tally = (labels: readonly string[], values: string[]) => {
  const counts = Object.fromEntries(labels.map((l) => [l, 0])) as Record<string, number>;
  for (const v of values) if (v in counts) counts[v]! += 1;
  return counts;
};

/** sets the gauges from the states of the projections `rt` holds (called before each scrape) */
export function updateDomainGauges(rt: Runtime): void {
  const state = (name: string) => rt.projections.get(name)?.state as Any | undefined;
  const vrm = state('vrm');
  if (vrm) {
    const hs = Object.values<Any>(vrm.inventory.hosts);
    const counts = tally(HOST_STATES, hs.map((h) => (h.fault ? 'faulted' : h.maintenance ? 'maintenance' : h.power)));
    for (const s of HOST_STATES) hosts.set({ state: s }, counts[s]!);
    const vmStates = Object.values<Any>(vrm.inventory.vms).map((v) => v.state as string);
    const byState = tally(VM_STATES, vmStates);
    for (const s of VM_STATES) vms.set({ state: s }, byState[s]!);
    migrations.set(byState.migrating!);
    simTime.set(vrm.clock.simTime);
  }
  const mem = state('memory-manager');
  if (mem) {
    const all = Object.values<Any>(mem.memory.vms);
    ballooned.set(sum(all, (v) => v.balloonedMiB));
    swapped.set(sum(all, (v) => v.swappedMiB));
  }
  const ha = state('ha-monitor');
  if (ha) haRestarts.set(sum(Object.values<Any>(ha.restarts), (r) => r.restarts));
  const scheduler = state('scheduler');
  if (scheduler) {
    const items = Object.values<Any>(scheduler.drs).flatMap((c) => c.items as Any[]);
    const byStatus = tally(['pending', 'applied', 'failed'], items.map((i) => i.status));
    for (const [s, n] of Object.entries(byStatus)) drs.set({ status: s }, n);
  }
}
