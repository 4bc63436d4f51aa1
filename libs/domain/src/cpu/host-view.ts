// Per-host CPU virtualization view (C5, C6, C7, P2) for GET /hosts/:id: capacity, where each party runs
// (rings and VMX operation), which guests the mode accepts, and the overhead of a reference workload.
//
//   hostCpuVirtualization(hostId, spec) -> HostCpuVirtualization
import type { HostSpec } from '@virtsim/contracts';
import { PRODUCTS, type HypervisorProduct } from '../shared/hypervisor-products.js';
import { hostCpuCapacity, type HostCpuCapacity } from './capacity.js';
import { checkCpuModeSupported, hasHardwareAssist, type CpuHostProfile } from './executor.js';
import type { Ring, VmxOperation } from './instructions.js';
import type { ExecutionMode } from './modes.js';
import { vmCpuOverhead } from './workload-mix.js';

export interface CpuPlacementOfParty { party: string; ring: Ring; vmx: VmxOperation | null }
export interface HostCpuVirtualization {
  hostId: string;
  hypervisorType: 'type1' | 'type2';
  mode: HostSpec['hypervisor']['mode'];
  product: HypervisorProduct;
  arch: 'x86' | 'powerpc';
  hardwareAssistAvailable: boolean;
  capacity: HostCpuCapacity;
  layout: CpuPlacementOfParty[];
  guests: { linux: { accepted: boolean; rule?: string }; windows: { accepted: boolean; rule?: string } };
  /** overhead % of the reference workload (1,000 MHz, 100 IOPS) per accepted guest family */
  referenceOverheadPercent: { linux: number | null; windows: number | null };
}

/** Who runs where in each mode; a type 2 host adds the host OS in ring 0 (the VMM being one of its applications). */
export function cpuLayout(mode: ExecutionMode, type: 'type1' | 'type2', product: HypervisorProduct): CpuPlacementOfParty[] {
  const hostOs: CpuPlacementOfParty[] = type === 'type2' ? [{ party: 'host OS kernel', ring: 0, vmx: mode === 'hardware-assisted' ? 'root' : null }] : [];
  if (mode === 'hardware-assisted') {
    const { vmm, deviceModel: dm } = PRODUCTS[product];
    return [...hostOs, { party: vmm, ring: 0, vmx: 'root' }, { party: dm, ring: 3, vmx: 'root' },
      { party: 'guest kernel', ring: 0, vmx: 'non-root' }, { party: 'guest applications', ring: 3, vmx: 'non-root' }];
  }
  const vmm = mode === 'paravirtual' ? 'hypervisor' : mode === 'native' ? null : 'vmm';
  return [...hostOs, ...(vmm ? [{ party: vmm, ring: 0 as Ring, vmx: null }] : []),
    { party: 'guest kernel', ring: mode === 'native' ? 0 : 1, vmx: null }, { party: 'guest applications', ring: 3, vmx: null }];
}

export function hostCpuVirtualization(hostId: string, spec: Pick<HostSpec, 'cpu' | 'hypervisor'>): HostCpuVirtualization {
  const product = spec.hypervisor.product ?? 'kvm';
  const arch = spec.cpu.arch ?? 'x86';
  const host: CpuHostProfile = { hostId, cpu: { arch, features: spec.cpu.features ?? [] }, hypervisor: { ...spec.hypervisor, product } };
  const guest = (family: 'linux' | 'windows') => {
    const mismatch = checkCpuModeSupported(spec.hypervisor.mode, host, { family });
    return mismatch ? { accepted: false, rule: mismatch.rule } : { accepted: true };
  };
  const guests = { linux: guest('linux'), windows: guest('windows') };
  const overhead = (family: 'linux' | 'windows') => guests[family].accepted
    ? vmCpuOverhead({ host, guest: { family }, workload: { cpuDemandMhz: 1000, iops: 100 } }).overheadPercent : null;
  return {
    hostId, hypervisorType: spec.hypervisor.type, mode: spec.hypervisor.mode, product, arch,
    hardwareAssistAvailable: hasHardwareAssist(spec.cpu.features),
    capacity: hostCpuCapacity(spec.cpu, { type: spec.hypervisor.type, product }),
    layout: cpuLayout(spec.hypervisor.mode, spec.hypervisor.type, product),
    guests, referenceOverheadPercent: { linux: overhead('linux'), windows: overhead('windows') },
  };
}
