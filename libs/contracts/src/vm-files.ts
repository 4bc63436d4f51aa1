// A VM as files (C3): what a VM carries besides its hardware spec, and the exported file's content.
//
//   VmBios         firmware, SMBIOS uuid and boot order: fixed when the VM is created (VmCreationRequested v2),
//                  kept by export / import, new for a copy (import --name)
//   VmSavedState   the CPU and memory state written when a VM is suspended: the CPU features the guest saw at
//                  power-on (it may resume only where they exist, F11), vCPUs waiting for the next restart (F4),
//                  and the memory image
//   VmFile         the VM folder's content, hardware-independent (no cluster, host or placement): spec, BIOS,
//                  power state (stopped or suspended) and saved state; `disks` are the content descriptors
//   defaultVmBios(vmId, name)   the BIOS a VM gets at creation (and what VMs created before v2 had)
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Id, MAX_VM_MEMORY_MIB, MAX_VM_VCPUS, VmSpec } from './specs.js';

export const BOOT_DEVICES = ['disk', 'cdrom', 'network', 'floppy'] as const;
export const DEFAULT_BOOT_ORDER: readonly (typeof BOOT_DEVICES)[number][] = ['disk', 'cdrom', 'network'];

export const VmBios = z.strictObject({
  firmware: z.enum(['bios', 'efi']),
  uuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lowercase UUID (8-4-4-4-12 hex digits)'),
  bootOrder: z.array(z.enum(BOOT_DEVICES)).min(1).max(BOOT_DEVICES.length)
    .refine((order) => new Set(order).size === order.length, 'each boot device once'),
});
export type VmBios = z.infer<typeof VmBios>;

/** The SMBIOS uuid of a new VM: derived from its id and name (deterministic: the same commands give the same
 *  VMs, B3), so a copy under a new id gets a new one. */
export function biosUuidOf(vmId: string, name: string): string {
  const h = createHash('sha1').update(`${vmId}/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const defaultVmBios = (vmId: string, name: string): VmBios => ({ firmware: 'bios', uuid: biosUuidOf(vmId, name), bootOrder: [...DEFAULT_BOOT_ORDER] });

export const VmSavedState = z.strictObject({
  cpu: z.strictObject({
    /** the CPU features the guest saw at power-on: it resumes only on a host that has them */
    features: z.array(z.string().min(1).max(40)).max(400),
    /** vCPUs that apply at the next restart (F4), null when none wait */
    pendingVcpus: z.number().int().min(1).max(MAX_VM_VCPUS).nullable(),
  }),
  memory: z.strictObject({
    /** the guest memory written to the saved-state file at suspend (its whole memory) */
    imageMiB: z.number().int().min(16).max(MAX_VM_MEMORY_MIB),
  }),
});
export type VmSavedState = z.infer<typeof VmSavedState>;

export const VM_FILE_FORMAT = 'virtsim-vm/2';
/** 512-byte sectors in a GiB */
export const SECTORS_PER_GIB = 2 * 1024 * 1024;

/** A disk's content id (the descriptor's CID): the disk's identity, from the VM's BIOS uuid and the disk's place,
 *  so it survives export and import and a copy's disks get new ones. */
export const diskContentId = (biosUuid: string, index: number): string => createHash('sha1').update(`${biosUuid}/disk${index}`).digest('hex').slice(0, 8);

/** The disk's content descriptor as the file lists it: which disk of the spec, its size and its content id. */
export const DiskContentDescriptor = z.strictObject({
  index: z.number().int().min(0).max(59),
  file: z.string().min(1).max(200),
  sectors: z.number().int().min(1),
  contentId: z.string().regex(/^[0-9a-f]{8}$/, '8 hex digits'),
  adapter: z.string().min(1).max(40),
});
export type DiskContentDescriptor = z.infer<typeof DiskContentDescriptor>;

export const VmFile = z.strictObject({
  format: z.literal(VM_FILE_FORMAT),
  vmId: Id,
  /** the hardware spec without the cluster it ran in nor the creation-only powerOn */
  spec: VmSpec.omit({ clusterId: true, powerOn: true }),
  bios: VmBios,
  state: z.enum(['stopped', 'suspended']),
  saved: VmSavedState.nullable(),
  disks: z.array(DiskContentDescriptor).max(60),
}).superRefine((f, ctx) => {
  if ((f.state === 'suspended') !== (f.saved !== null)) {
    ctx.addIssue({ code: 'custom', path: ['saved'], message: f.state === 'suspended' ? 'a suspended VM carries its saved state' : 'only a suspended VM carries a saved state' });
  }
  if (f.saved && f.saved.memory.imageMiB !== f.spec.memoryMiB) {
    ctx.addIssue({ code: 'custom', path: ['saved', 'memory', 'imageMiB'], message: `the memory image (${f.saved.memory.imageMiB} MiB) is not the VM's memory (${f.spec.memoryMiB} MiB)` });
  }
  if (f.disks.length !== f.spec.disks.length) {
    ctx.addIssue({ code: 'custom', path: ['disks'], message: `${f.disks.length} disk descriptors for ${f.spec.disks.length} disks` });
  }
  f.disks.forEach((d, i) => {
    const disk = f.spec.disks[d.index];
    if (d.index !== i) ctx.addIssue({ code: 'custom', path: ['disks', i, 'index'], message: `descriptor ${i} names disk ${d.index}` });
    else if (disk && d.sectors !== disk.sizeGiB * SECTORS_PER_GIB) {
      ctx.addIssue({ code: 'custom', path: ['disks', i, 'sectors'], message: `${d.sectors} sectors, disk ${i} is ${disk.sizeGiB} GiB (${disk.sizeGiB * SECTORS_PER_GIB})` });
    }
  });
});
export type VmFile = z.infer<typeof VmFile>;

/** VmCreationRequested's data (v2): a new VM has the default BIOS and no saved state unless an import brings them */
export const vmCreationRequestedData = (vmId: string, spec: VmSpec, bios: VmBios = defaultVmBios(vmId, spec.name), saved: VmSavedState | null = null) =>
  ({ vmId, spec, bios, saved });
