// Host memory accounting constants: what the hypervisor keeps for itself, what each VM costs beyond its
// configured memory, and how much of the host VMs may use.
//
//   hypervisorMiB(host)      type1: 512 MiB + 2% of physical (vmkernel / CNA); xen adds a 1 GiB Dom0 (I3);
//                            type2: the host OS share, 2 GiB + 10% of physical (C6)
//   vmOverheadMiB(vcpus,mem) ceil(18.4 + 4 x (vcpus - 1) + 0.0074 x mem): a least-squares fit of VMware's
//                            "Sample Overhead Memory on Virtual Machines" table (vSphere 5 Resource Management
//                            Guide: 1 vCPU/1 GiB 25.9 MB, 1 vCPU/16 GiB 139.6 MB, 8 vCPU/16 GiB 168.6 MB)
//   vmCapacityMiB(host)      physical - hypervisor - huge-page pool: what normal-page VMs (and all overheads) use
import type { HostSpec } from '@virtsim/contracts';
import { productOf } from '../shared/hypervisor-products.js';

export const CHUNK_MIB = 2;
export const PAGE_KIB = 4;

export function hypervisorMiB(spec: Pick<HostSpec, 'memoryMiB' | 'hypervisor'>): number {
  const { memoryMiB, hypervisor } = spec;
  if (hypervisor.type === 'type2') return Math.ceil(2048 + 0.1 * memoryMiB);
  const dom0 = productOf(hypervisor.product).dom0 ? 1024 : 0; // only Xen has a Dom0 (esx, kvm: none)
  return Math.ceil(512 + 0.02 * memoryMiB) + dom0;
}

/** Page-table memory per MiB of guest memory: one 8-byte entry per 4 KiB page, or per 2 MiB huge page (M3). */
export const PAGE_TABLE_MIB_PER_MIB = { small: 8 / 4096, huge: 8 / (2 * 1024 * 1024) } as const;

/** The fit above holds page tables for 4 KiB pages; a huge-page-backed VM needs 512x fewer entries:
 *  16 GiB with 1 vCPU costs 140 MiB on 4 KiB pages, 108 MiB on 2 MiB pages (32 MiB of page tables saved). */
export function vmOverheadMiB(vcpus: number, memoryMiB: number, hugeBacked = false): number {
  const pageTables = hugeBacked ? PAGE_TABLE_MIB_PER_MIB.huge - PAGE_TABLE_MIB_PER_MIB.small : 0;
  return Math.ceil(18.4 + 4 * (vcpus - 1) + (0.0074 + pageTables) * memoryMiB);
}

/** Memory left for VMs outside the huge-page pool; never negative. */
export function vmCapacityMiB(physicalMiB: number, hypervisor: number, hugePoolMiB: number): number {
  return Math.max(0, physicalMiB - hypervisor - hugePoolMiB);
}

/** 2 MiB chunks needed for a size (huge pages are 2 MiB, and HPA extents are kept in the same unit). */
export const chunksOf = (mib: number): number => Math.ceil(mib / CHUNK_MIB);
