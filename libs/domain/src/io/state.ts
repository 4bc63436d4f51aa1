// State of the io context: plain JSON-able records, so a service can snapshot and hash it.
import type { HostSpec, HypervisorSpec, IoDevice, IoEvent, IoGuest, IoHostFigures, IoHostPciFunction, IoVmFigures, WorkloadProfile } from '@virtsim/contracts';
import { hash32 } from '../shared/prng.js';
import { ASSIGNABLE_SLOTS, DOM0_VCPUS, IOMMU_FEATURES } from './costs.js';

export interface IoVgpuState {
  /** the one profile this GPU runs (NVIDIA vGPU: a physical GPU is homogeneous) */
  profile: string;
  slices: number;
  /** slice holders as '<vmId>/<deviceId>', sorted */
  holders: string[];
}

export interface IoPciFunctionState extends IoHostPciFunction {
  passthroughVmId: string | null;
  vgpu: IoVgpuState | null;
}

export interface IoHostState {
  hostId: string;
  product: HypervisorSpec['product'];
  mhz: number;
  iommu: boolean;
  assignableSlots: number;
  dom0BudgetMhz: number;
  pci: IoPciFunctionState[];
  /** Dom0 is domain 0; DomUs get increasing ids, never reused on this host */
  nextDomId: number;
  /** VMs whose devices live on this host, sorted */
  vmIds: string[];
  /** last figures published by IoStatsChanged (the baseline for "significant change") */
  reported: IoHostFigures | null;
  reportedVms: Record<string, IoVmFigures>;
}

export interface IoVmState {
  vmId: string;
  hostId: string;
  domId: number;
  guest: IoGuest;
  workload: WorkloadProfile | null;
  devices: IoDevice[];
  /** front-ends discovered (VM powered on) */
  powered: boolean;
}

/** VMs live in VM_BUCKETS buckets keyed by a hash of their id: V8 copies a Record of a few dozen keys
 *  in microseconds but one of 8,000 keys in milliseconds, so a pure evolve copies one bucket, not all VMs.
 *  Read VMs with vmOf / allVms. */
export interface IoState {
  hosts: Record<string, IoHostState>;
  vmBuckets: Record<string, Record<string, IoVmState>>;
}

export const VM_BUCKETS = 128;
export const initialIoState = (): IoState => ({ hosts: {}, vmBuckets: {} });

export const vmBucket = (vmId: string): string => `b${(hash32(vmId) % VM_BUCKETS).toString(16).padStart(2, '0')}`;
export const vmOf = (state: IoState, vmId: string): IoVmState | undefined => state.vmBuckets[vmBucket(vmId)]?.[vmId];
/** Every VM io knows, sorted by id. */
export const allVms = (state: IoState): IoVmState[] =>
  Object.values(state.vmBuckets).flatMap((b) => Object.values(b)).sort((a, b) => (a.vmId < b.vmId ? -1 : a.vmId > b.vmId ? 1 : 0));

export const hasIommu = (spec: HostSpec): boolean => spec.cpu.features.some((f) => IOMMU_FEATURES.includes(f.toLowerCase()));

const pciAddress = (index: number): string => `0000:${(index + 1).toString(16).padStart(2, '0')}:00.0`;

/** The IoHostRegistered payload for a host spec. */
export function hostRegistration(hostId: string, spec: HostSpec): Extract<IoEvent, { type: 'IoHostRegistered' }>['data'] {
  return {
    hostId,
    product: spec.hypervisor.product ?? 'kvm',
    mhz: spec.cpu.mhz,
    iommu: hasIommu(spec),
    assignableSlots: ASSIGNABLE_SLOTS,
    dom0BudgetMhz: DOM0_VCPUS * spec.cpu.mhz,
    pci: (spec.pciDevices ?? []).map((d, i) => ({ pciIndex: i, address: pciAddress(i), kind: d.kind, model: d.model, vgpuProfiles: d.vgpuProfiles ?? [] })),
  };
}

export function newHostState(data: Extract<IoEvent, { type: 'IoHostRegistered' }>['data']): IoHostState {
  return {
    ...data,
    pci: data.pci.map((p) => ({ ...p, vgpuProfiles: [...p.vgpuProfiles], passthroughVmId: null, vgpu: null })),
    nextDomId: 1,
    vmIds: [],
    reported: null,
    reportedVms: {},
  };
}

