// Request/resource specifications of the public contract (shared/design/API.md).
// The same zod schemas validate HTTP bodies, NATS payloads and generate the OpenAPI document.
import { z } from 'zod';
import { isPrototypeKey } from './text.js';

export { isPrototypeKey, PROTOTYPE_KEYS, unstorableText } from './text.js';

export const Id = z.string().min(1).max(64).refine((id) => !isPrototypeKey(id), 'not an id (the name of an Object.prototype member)');
export const Name = z.string().trim().min(1).max(80).regex(/^[A-Za-z0-9][A-Za-z0-9._ -]*$/, 'letters, digits, . _ - and spaces');

/** the largest host (64 TiB) and VM (24 TiB, 768 vCPUs at the fastest host clock) the domain models */
export const MAX_HOST_MEMORY_MIB = 64 * 1024 * 1024;
export const MAX_VM_MEMORY_MIB = 24 * 1024 * 1024;
export const MAX_VM_VCPUS = 768;
export const MAX_VM_MHZ = MAX_VM_VCPUS * 10_000;

export const DrsPolicy = z.strictObject({
  enabled: z.boolean(),
  automation: z.enum(['manual', 'automatic']).default('manual'),
  threshold: z.number().int().min(1).max(5).default(3),
});
export const DpmPolicy = z.strictObject({
  enabled: z.boolean(),
  automation: z.enum(['manual', 'automatic']).default('manual'),
  lowPercent: z.number().min(1).max(99).default(45),
  highPercent: z.number().min(1).max(100).default(81),
});
export const HaPolicy = z.strictObject({
  enabled: z.boolean(),
  hostFailuresTolerated: z.number().int().min(0).max(127).default(1),
  failureDetectionSeconds: z.number().int().min(10).max(3600).default(30),
  isolationResponse: z.enum(['power-off', 'leave-running']).default('power-off'),
  /** VM monitoring (HA.md 6): restarts in place allowed per window before the VM is relocated (vSphere: 3 per hour) */
  restartsInPlace: z.number().int().min(0).max(100).default(3),
  restartWindowSeconds: z.number().int().min(60).max(7 * 86400).default(3600),
});
export const ImcBaseline = z.union([
  z.strictObject({ level: z.string().min(1).max(40) }),
  z.strictObject({ features: z.array(z.string().min(1).max(40)).min(1).max(400) }),
]);

export const ClusterSpec = z.strictObject({
  name: Name,
  imcBaseline: ImcBaseline.optional(),
  cpuOvercommitRatio: z.number().min(1).max(32).default(4),
  memoryOvercommit: z.boolean().default(false),
  memoryOvercommitRatio: z.number().min(1).max(4).default(1.5),
  drs: DrsPolicy.optional(),
  dpm: DpmPolicy.optional(),
  ha: HaPolicy.optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
});
export type ClusterSpec = z.infer<typeof ClusterSpec>;
// No defaults in a patch: a field left out stays as it is (ClusterSpec.partial() would fill in every default,
// e.g. reset seed to 1 or memoryOvercommit to false on any PATCH). A policy object given (ha, drs, dpm) replaces
// the old one whole, its own defaults included.
export const ClusterPatch = z.strictObject({
  name: Name.optional(),
  imcBaseline: ImcBaseline.optional(),
  cpuOvercommitRatio: z.number().min(1).max(32).optional(),
  memoryOvercommit: z.boolean().optional(),
  memoryOvercommitRatio: z.number().min(1).max(4).optional(),
  drs: DrsPolicy.optional(),
  dpm: DpmPolicy.optional(),
  ha: HaPolicy.optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
});
export type ClusterPatch = z.infer<typeof ClusterPatch>;

export const CpuSpec = z.strictObject({
  sockets: z.number().int().min(1).max(16),
  coresPerSocket: z.number().int().min(1).max(256),
  threadsPerCore: z.number().int().min(1).max(8),
  mhz: z.number().int().min(100).max(10000),
  vendor: z.enum(['intel', 'amd', 'ibm', 'other']),
  model: z.string().min(1).max(120),
  arch: z.enum(['x86', 'powerpc']).default('x86'),
  features: z.array(z.string().min(1).max(40)).max(400).default([]),
});
export type CpuSpec = z.infer<typeof CpuSpec>;

// Combinations no real host has are refused naming both fields (issue 15, issue 16 C6). Type 1 (bare metal)
// products: esx (ESXi-like: vmkernel), xen (Dom0 manages the hardware), kvm. Type 2 (hosted) products:
// workstation (Workstation-like: the VMM is an application of a host OS) and kvm (a module of a general-purpose
// Linux, which stays a full host OS: accepted either way, as it always was). esx and xen are never hosted (each is
// its own kernel on the bare machine); workstation is never bare metal (it needs a host OS). Only Xen has a
// paravirtual CPU mode (the others need VT-x / AMD-V or binary translation).
export const HYPERVISOR_PRODUCTS = { type1: ['esx', 'xen', 'kvm'], type2: ['workstation', 'kvm'] } as const;
export const HypervisorSpec = z.strictObject({
  type: z.enum(['type1', 'type2']),
  mode: z.enum(['hardware-assisted', 'full', 'paravirtual']),
  product: z.enum(['kvm', 'xen', 'esx', 'workstation']).default('kvm'),
}).superRefine((h, ctx) => {
  if (!(HYPERVISOR_PRODUCTS[h.type] as readonly string[]).includes(h.product)) {
    const why = h.type === 'type2'
      ? `${h.product === 'xen' ? 'Xen' : 'ESXi'} is a type 1 (bare-metal) hypervisor; use type type1, or product workstation / kvm for a hosted VMM`
      : 'a Workstation-like VMM is hosted (type 2) and needs a host OS; use type type2, or product esx / xen / kvm for bare metal';
    ctx.addIssue({ code: 'custom', path: ['product'], message: `product ${h.product} with type ${h.type}: ${why}` });
  }
  if (h.mode === 'paravirtual' && h.product !== 'xen') {
    ctx.addIssue({ code: 'custom', path: ['mode'], message: `mode paravirtual with product ${h.product}: only Xen runs paravirtualized guests; use product xen, or mode hardware-assisted / full` });
  }
});
export type HypervisorSpec = z.infer<typeof HypervisorSpec>;

/** A host PCI function a VM may be given (I4): a GPU, an SR-IOV NIC function, a physical disk (with its
 *  controller) or an NVMe device; each entry is one function. */
export const PciDeviceSpec = z.strictObject({
  kind: z.enum(['gpu', 'nic', 'disk', 'nvme']),
  model: z.string().min(1).max(120),
  vgpuProfiles: z.array(z.string().min(1).max(40)).max(64).optional(),
});
export type PciDeviceSpec = z.infer<typeof PciDeviceSpec>;

export const DatastoreSpec = z.strictObject({
  name: z.string().min(1).max(80),
  kind: z.enum(['shared', 'local']).default('shared'),
  capacityGiB: z.number().int().min(1).max(1024 * 1024).default(10240),
});
export type DatastoreSpec = z.infer<typeof DatastoreSpec>;

export const HostSpec = z.strictObject({
  name: Name,
  cpu: CpuSpec,
  memoryMiB: z.number().int().min(512).max(MAX_HOST_MEMORY_MIB),
  /** P4: NUMA nodes of equal size (threads and memory split evenly); `numa` below gives uneven nodes */
  numaNodes: z.number().int().min(1).max(16).default(1),
  /** P4: the host's per-node layout (nodes may differ): cores per node sum to sockets x coresPerSocket, memory per
   *  node sums to memoryMiB; a node's threads are its cores x threadsPerCore. numaNodes, if given, must be 1 (its
   *  default) or the node count. */
  numa: z.strictObject({
    nodes: z.array(z.strictObject({ cores: z.number().int().min(1).max(1024), memoryMiB: z.number().int().min(256).max(MAX_HOST_MEMORY_MIB) })).min(1).max(16),
  }).optional(),
  hypervisor: HypervisorSpec,
  hugePagesMiB: z.number().int().min(0).max(MAX_HOST_MEMORY_MIB).multipleOf(2).default(0),
  pciDevices: z.array(PciDeviceSpec).max(32).default([]),
  datastores: z.array(DatastoreSpec).max(64).default([{ name: 'shared-ds', kind: 'shared', capacityGiB: 10240 }]),
  migrationNetworkGbps: z.union([z.literal(1), z.literal(10)]).default(10),
  /** the host's swap space (M4): on one of its datastores, with a size; swapping stops when it is full.
   *  Absent: as large as the host's physical memory, on its first datastore. */
  swap: z.strictObject({
    sizeMiB: z.number().int().min(0).max(MAX_HOST_MEMORY_MIB * 4),
    datastore: z.string().min(1).max(80).optional(),
  }).optional(),
}).superRefine((h, ctx) => {
  if (h.numa) {
    const cores = h.numa.nodes.reduce((a, n) => a + n.cores, 0);
    const mem = h.numa.nodes.reduce((a, n) => a + n.memoryMiB, 0);
    const hostCores = h.cpu.sockets * h.cpu.coresPerSocket;
    if (cores !== hostCores) ctx.addIssue({ code: 'custom', path: ['numa', 'nodes'], message: `NUMA nodes hold ${cores} cores, the host has ${hostCores} (sockets x coresPerSocket)` });
    if (mem !== h.memoryMiB) ctx.addIssue({ code: 'custom', path: ['numa', 'nodes'], message: `NUMA nodes hold ${mem} MiB, the host has memoryMiB ${h.memoryMiB}` });
    if (h.numaNodes !== 1 && h.numaNodes !== h.numa.nodes.length) ctx.addIssue({ code: 'custom', path: ['numaNodes'], message: `numaNodes ${h.numaNodes} disagrees with numa.nodes (${h.numa.nodes.length} nodes); give one or make them equal` });
  }
  const ds = h.swap?.datastore;
  if (ds !== undefined && !h.datastores.some((d) => d.name === ds)) {
    ctx.addIssue({ code: 'custom', path: ['swap', 'datastore'], message: `swap datastore ${ds} is not one of the host's datastores (${h.datastores.map((d) => d.name).join(', ') || 'none'})` });
  }
});
export type HostSpec = z.infer<typeof HostSpec>;

export const GuestOs = z.strictObject({
  family: z.enum(['linux', 'windows']),
  distro: z.string().min(1).max(40).optional(),
  version: z.string().min(1).max(40),
});
export type GuestOs = z.infer<typeof GuestOs>;

/** A VM disk: a virtual disk on a bus, or (bus `passthrough`, I4) a host's physical disk or NVMe device of the
 *  host's `pciDevices`, given to this VM alone: `device` disk | nvme (default disk), `model` the host model
 *  wanted (any free one when absent); it lives on no datastore. */
export const DiskSpec = z.strictObject({
  sizeGiB: z.number().int().min(1).max(65536),
  bus: z.enum(['ide', 'sata', 'scsi', 'virtio', 'xen', 'passthrough']),
  datastore: z.string().min(1).max(80).optional(),
  device: z.enum(['disk', 'nvme']).optional(),
  model: z.string().min(1).max(120).optional(),
}).superRefine((d, ctx) => {
  if (d.bus === 'passthrough') {
    if (d.datastore !== undefined) ctx.addIssue({ code: 'custom', path: ['datastore'], message: 'a passthrough disk is a host device, on no datastore' });
    return;
  }
  for (const field of ['device', 'model'] as const) {
    if (d[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${field} is for bus passthrough only (a host's physical disk or NVMe device)` });
  }
});
export type DiskSpec = z.infer<typeof DiskSpec>;
export const NicSpec = z.strictObject({ model: z.enum(['e1000', 'virtio', 'sriov']) });
export type NicSpec = z.infer<typeof NicSpec>;
export const GpuSpec = z.strictObject({ mode: z.enum(['passthrough', 'vgpu']), profile: z.string().min(1).max(40).optional() });
export type GpuSpec = z.infer<typeof GpuSpec>;

export const WorkloadProfile = z.strictObject({
  cpuDemandMhz: z.number().min(0).max(1_000_000).default(500),
  activeMemoryMiB: z.number().min(0).max(MAX_VM_MEMORY_MIB).default(256),
  dirtyRateMiBps: z.number().min(0).max(100_000).default(10),
  iops: z.number().min(0).max(10_000_000).default(100),
  ioSizeKiB: z.number().min(0.5).max(16384).default(8),
  readRatio: z.number().min(0).max(1).default(0.7),
  pattern: z.enum(['constant', 'diurnal', 'spiky']).default('constant'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
});
export type WorkloadProfile = z.infer<typeof WorkloadProfile>;

export const VmSpec = z.strictObject({
  name: Name,
  clusterId: Id,
  vcpus: z.number().int().min(1).max(MAX_VM_VCPUS),
  memoryMiB: z.number().int().min(16).max(MAX_VM_MEMORY_MIB),
  guestOs: GuestOs,
  toolsInstalled: z.boolean().default(false),
  disks: z.array(DiskSpec).min(0).max(60).default([]),
  floppies: z.array(z.strictObject({ media: z.enum(['virtio-drivers']) })).max(2).default([]),
  nics: z.array(NicSpec).max(10).default([]),
  numa: z.strictObject({ nodes: z.number().int().min(1).max(16).optional(), policy: z.enum(['strict', 'preferred']).default('preferred') }).optional(),
  gpus: z.array(GpuSpec).max(8).default([]),
  hugePages: z.boolean().default(false),
  cpuShares: z.number().int().min(1).max(1_000_000).default(1000),
  cpuReservationMhz: z.number().min(0).max(MAX_VM_MHZ).default(0),
  cpuLimitMhz: z.number().min(1).max(MAX_VM_MHZ).optional(),
  memoryReservationMiB: z.number().int().min(0).max(MAX_VM_MEMORY_MIB).default(0),
  ha: z.strictObject({ enabled: z.boolean(), priority: z.enum(['low', 'medium', 'high']).default('medium') }).optional(),
  workload: WorkloadProfile.optional(),
  powerOn: z.boolean().default(false),
});
export type VmSpec = z.infer<typeof VmSpec>;

export const RuleSpec = z.strictObject({
  name: Name,
  kind: z.enum(['vm-affinity', 'vm-anti-affinity', 'vm-host-must', 'vm-host-should', 'vm-host-must-not']),
  vms: z.array(Id).min(1).max(8000),
  hosts: z.array(Id).max(128).optional(),
});
export type RuleSpec = z.infer<typeof RuleSpec>;
