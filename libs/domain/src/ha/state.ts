// HA state of ONE cluster, as the ha-monitor sees it. Plain JSON (Records, arrays): snapshot- and hash-friendly.
// It is built only from events (inventory, placement and HA's own), see evolve.ts.
import type { HaHostFaultKind, HaIsolationResponse, HaPriority, HaRestartCause, HaVmFaultKind } from '@virtsim/contracts';

/** Simulation tick (ARCHITECTURE.md "Simulated time": default 10 s); a host agent heartbeats once per tick. */
export const HA_DEFAULT_TICK_SECONDS = 10;
/** API.md / specs.ts HaPolicy default: 30 s without network heartbeat = 3 missed heartbeats at 10 s ticks. */
export const HA_DEFAULT_FAILURE_DETECTION_SECONDS = 30;
/** F7 / HA.md 6: restarts in place per window, vSphere VM Monitoring's default "maximum per-VM resets 3 within
 *  1 hour" (specs.ts HaPolicy restartsInPlace / restartWindowSeconds). */
export const HA_DEFAULT_RESTARTS_IN_PLACE = 3;
export const HA_DEFAULT_RESTART_WINDOW_SECONDS = 3600;
/** Proxmox VE ha-manager resource default max_relocate 1 (pve-docs "ha-manager"); HA.md 6. */
export const HA_DEFAULT_MAX_RELOCATIONS = 1;

export interface HaPolicyState {
  enabled: boolean;
  hostFailuresTolerated: number;
  failureDetectionSeconds: number;
  isolationResponse: HaIsolationResponse;
  /** restarts in place allowed within any restartWindowSeconds; a failure beyond that relocates the VM */
  restartsInPlace: number;
  restartWindowSeconds: number;
  maxRelocations: number;
}

/** up: heartbeating; missing: missed heartbeats, not yet declared; off: planned power-off/standby (never a failure, HA.md 8). */
export type HaHostStatus = 'up' | 'missing' | 'isolated' | 'failed' | 'off';

export interface HaHost {
  hostId: string;
  name: string;
  status: HaHostStatus;
  maintenance: boolean;
  /** simTime of the last heartbeat before the current outage (null while up) */
  missingSince: number | null;
  fenced: boolean;
  fault: HaHostFaultKind | null;
  /** datastore name -> kind; the first one is where disks without a named datastore live */
  datastores: Record<string, 'shared' | 'local'>;
  defaultDatastore: string | null;
  /** hardware threads (sockets x cores x threads) and MiB, before overcommit ratios */
  logicalCpus: number;
  memoryMiB: number;
  /** VMs this host may still run although HA took them over (fenced by lock revocation) */
  staleCopies: string[];
}

/** running: protected; down: not running, HA has not acted yet (or is not enabled for it);
 *  waiting: HA will restart it as soon as a host can take it; failed: needs an operator. */
export type HaVmStatus = 'stopped' | 'running' | 'down' | 'waiting' | 'failed';

export interface HaVmFault { kind: HaVmFaultKind; at: number; detectable: boolean }

export interface HaVm {
  vmId: string;
  name: string;
  hostId: string | null;
  status: HaVmStatus;
  haEnabled: boolean;
  priority: HaPriority;
  toolsInstalled: boolean;
  /** datastore name of each disk, '' = the host's default datastore */
  disks: string[];
  vcpus: number;
  memoryMiB: number;
  cause: HaRestartCause | null;
  /** reason of the last VmRestartWaiting, so the event is not repeated every tick */
  waitReason: string | null;
  fault: HaVmFault | null;
  /** restarts in place since the last operator power-on (lifetime count, shown) */
  localRestarts: number;
  /** simTimes of the restarts in place still inside the policy window (the budget's ledger) */
  restartsInPlaceAt: number[];
  relocations: number;
  triedHosts: string[];
}

export interface HaState {
  clusterId: string | null;
  policy: HaPolicyState;
  cpuOvercommitRatio: number;
  memoryOvercommit: boolean;
  memoryOvercommitRatio: number;
  hosts: Record<string, HaHost>;
  vms: Record<string, HaVm>;
  /** VM-VM affinity rules (ruleId -> VM ids): their VMs are recovered together on one host (HA.md 5) */
  affinityGroups: Record<string, string[]>;
  totalIsolation: boolean;
  /** running VMs HA does not protect, as last recorded by HaUnprotectedVmsChanged (protection.ts) */
  unprotectedVms: number;
}

export const haInitialState = (): HaState => ({
  clusterId: null,
  policy: {
    enabled: false,
    hostFailuresTolerated: 1,
    failureDetectionSeconds: HA_DEFAULT_FAILURE_DETECTION_SECONDS,
    isolationResponse: 'power-off',
    restartsInPlace: HA_DEFAULT_RESTARTS_IN_PLACE,
    restartWindowSeconds: HA_DEFAULT_RESTART_WINDOW_SECONDS,
    maxRelocations: HA_DEFAULT_MAX_RELOCATIONS,
  },
  cpuOvercommitRatio: 4,
  memoryOvercommit: false,
  memoryOvercommitRatio: 1.5,
  hosts: {},
  vms: {},
  affinityGroups: {},
  totalIsolation: false,
  unprotectedVms: 0,
});

export const PRIORITY_RANK: Record<HaPriority, number> = { high: 0, medium: 1, low: 2 };

/** Recovery order (HA.md 9): priority high, medium, low, then VM id. */
export const byRecoveryOrder = (a: HaVm, b: HaVm): number =>
  PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || (a.vmId < b.vmId ? -1 : a.vmId > b.vmId ? 1 : 0);

export const sortedIds = (record: Record<string, unknown>): string[] => Object.keys(record).sort();

/** A disk on a datastore the home host declares 'local' pins the VM to that host; no disks = shared. */
export function localDatastoreOf(vm: HaVm, home: HaHost | undefined): string | null {
  if (!home) return null;
  for (const name of vm.disks) {
    const ds = name === '' ? home.defaultDatastore : name;
    if (ds !== null && home.datastores[ds] === 'local') return ds;
  }
  return null;
}

/** A host HA may restart VMs on: heartbeating, powered on, not in maintenance (HA.md 7). */
export const isRestartTarget = (h: HaHost): boolean => h.status === 'up' && !h.maintenance;
