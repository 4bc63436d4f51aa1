// Inventory events, owned by vrm: clusters, hosts, VMs, rule groups. Every service projects them.
import type { ClusterPatch, ClusterSpec, DiskSpec, HostSpec, NicSpec, RuleSpec, VmSpec } from '../specs.js';
import type { VmBios, VmSavedState } from '../vm-files.js';
import type { EventOf } from './envelope.js';

export type VmState = 'creating' | 'stopped' | 'starting' | 'running' | 'suspended' | 'stopping' | 'migrating' | 'failed' | 'deleted';
export type HostPowerState = 'on' | 'off' | 'standby';

export type InventoryEvent =
  | EventOf<'ClusterCreated', { clusterId: string; spec: ClusterSpec }>
  | EventOf<'ClusterPolicyChanged', { clusterId: string; patch: ClusterPatch }>
  | EventOf<'HostAdded', { hostId: string; clusterId: string; spec: HostSpec }>
  | EventOf<'HostPoweredOn', { hostId: string; clusterId: string; reason: string }>
  | EventOf<'HostPoweredOff', { hostId: string; clusterId: string; reason: string; standby: boolean }>
  | EventOf<'HostMaintenanceEntered', { hostId: string; clusterId: string }>
  | EventOf<'HostMaintenanceExited', { hostId: string; clusterId: string }>
  | EventOf<'VmCreationRequested', VmCreationRequestedData>
  | EventOf<'VmCreated', { vmId: string; clusterId: string; hostId: string }>
  | EventOf<'VmCreationFailed', { vmId: string; clusterId: string; reason: string; step: string }>
  | EventOf<'VmStateChanged', { vmId: string; clusterId: string; hostId: string | null; from: VmState; to: VmState; reason: string }>
  | EventOf<'VmReconfigured', { vmId: string; clusterId: string; vcpus: number; memoryMiB: number; pendingVcpus: number | null }>
  | EventOf<'VmDevicesChanged', VmDevicesChangedData>
  | EventOf<'VmDeleted', { vmId: string; clusterId: string; hostId: string | null }>
  | EventOf<'RuleCreated', { ruleId: string; clusterId: string; spec: RuleSpec }>
  | EventOf<'RuleDeleted', { ruleId: string; clusterId: string }>
  | EventOf<'ClockAdvanced', { tick: number; simTime: number; tickSeconds: number }>
  | SimClockEvent;

/** A VM asked for (schema version 2: `bios` and `saved` joined; version 1 events are lifted by the upcaster in
 *  upcasters.ts, with the BIOS the VM had: defaultVmBios). `saved` is the saved state of a VM imported suspended
 *  (C3): the creation then ends suspended, with those CPU features, instead of stopped. */
export interface VmCreationRequestedData {
  vmId: string;
  spec: VmSpec;
  bios: VmBios;
  saved: VmSavedState | null;
}

/** A disk or NIC added to or removed from an existing VM (schema version 1): the VM's whole disk and NIC lists
 *  after the change, and the change itself (`index` in the list of its kind; `hotPlug` when the guest was
 *  running). Guest device names follow from the lists (io naming: the bus rules). */
export interface VmDevicesChangedData {
  vmId: string;
  clusterId: string;
  disks: DiskSpec[];
  nics: NicSpec[];
  change: { op: 'add' | 'remove'; kind: 'disk' | 'nic'; index: number; hotPlug: boolean };
}

/** The clock's mode on stream `clock` (schema version 1): it runs by itself at `rate` simulated seconds per real
 *  second from ClockStarted until ClockPaused; a restarted leader reads it back and runs on. */
export type SimClockEvent =
  | EventOf<'ClockStarted', { rate: number }>
  | EventOf<'ClockPaused', Record<string, never>>;

/** Where a VM runs. Placement (saga) emits VmPlaced; every later move (live/cold migration, HA restart) emits VmRelocated.
 *  Every service that keeps per-host accounting follows these two plus VmDeleted / VmCreationFailed. */
export interface NumaPlacement {
  /** NUMA node indexes of the host used by the VM (vNUMA spread when more than one) */
  nodes: number[];
  /** MiB of the VM's memory on each of those nodes, same order */
  memoryMiBPerNode: number[];
  /** vCPUs on each of those nodes, same order */
  vcpusPerNode: number[];
}
export type PlacementEvent =
  | EventOf<'VmPlaced', { vmId: string; clusterId: string; hostId: string; numa: NumaPlacement; brokenShouldRules: string[]; reason: string }>
  | EventOf<'VmPlacementReleased', { vmId: string; clusterId: string; hostId: string; reason: string }>
  | EventOf<'VmRelocated', { vmId: string; clusterId: string; fromHostId: string; toHostId: string; numa: NumaPlacement; reason: 'live-migration' | 'cold-migration' | 'ha-restart' | 'import' }>;

/** Steps of the VM creation saga (F13), in execution order. `power-on` runs only when the spec asks for it. */
export type VmCreationStep = 'validate' | 'place' | 'reserve-memory' | 'attach-devices' | 'power-on';

/** Progress of a VM creation saga, keyed by vmId (one creation per VM). VmCreationRequested starts it;
 *  VmCreated / VmCreationFailed end it. A step is recorded as requested BEFORE the request goes out, so a
 *  restarted vrm knows which steps may have happened without a recorded outcome. */
export type VmCreationSagaEvent =
  | EventOf<'VmCreationStepRequested', { vmId: string; clusterId: string; step: VmCreationStep; attempt: number }>
  | EventOf<'VmCreationStepCompleted', { vmId: string; clusterId: string; step: VmCreationStep; hostId: string | null }>
  /** `uncertain`: the step may have taken effect (timeout, no answer): it is compensated too. */
  | EventOf<'VmCreationStepFailed', { vmId: string; clusterId: string; step: VmCreationStep; reason: string; uncertain: boolean }>
  | EventOf<'VmCreationCompensationRequested', { vmId: string; clusterId: string; step: VmCreationStep; attempt: number }>
  | EventOf<'VmCreationStepCompensated', { vmId: string; clusterId: string; step: VmCreationStep }>;

/** Long operations (API 202 + task). A batch task (POST /vms:batch) lists its children; its progress is n of m. */
export type VrmTaskRunState = 'queued' | 'running' | 'succeeded' | 'failed';
export interface VrmTaskError { code: string; message: string; details: Record<string, unknown> }
export type VrmTaskEvent =
  | EventOf<'TaskCreated', { taskId: string; kind: string; target: string | null; parentId: string | null; childIds: string[] }>
  | EventOf<'TaskProgressed', { taskId: string; progress: number; message: string | null }>
  | EventOf<'TaskSucceeded', { taskId: string; result: unknown }>
  | EventOf<'TaskFailed', { taskId: string; error: VrmTaskError }>;

/** Everything the vrm appends or follows for its own read side. */
export type VrmEvent = InventoryEvent | PlacementEvent | VmCreationSagaEvent | VrmTaskEvent;
