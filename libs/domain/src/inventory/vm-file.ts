// A VM as files (C3): export writes a VM's folder, import brings back the same VM on any cluster of any
// installation. Pure: the vrm packs the file into a tar and reads it back (apps/vrm/src/encapsulation.ts).
//
// API:
//   vmFileOf(vm): VmFile                   the VM's files: spec (no cluster), BIOS, stopped or suspended with the
//                                          saved CPU / memory state, one content descriptor per disk.
//                                          Refused 409 vm.state unless the VM is stopped or suspended (the state
//                                          of a running guest changes while it is written)
//   diskDescriptorsOf(spec disks, bios)     the disks' content descriptors (file, sectors, content id, adapter)
//   planVmImport(view, file, target): ImportPlan   what the import asks for (RequestVmCreation's vmId, spec,
//                                          bios, saved): the file's id unless this installation gave it already
//                                          (then `newVmId`; ids are vm<N>); with `name`, a copy beside the original: new id and
//                                          new BIOS uuid. Checks the disk descriptors against the BIOS (400 field
//                                          by field) and, for a suspended VM, that the target cluster can resume it
//   assertRestorable(view, clusterId, name, saved)  a suspended VM's CPU features against the target cluster:
//                                          its IMC baseline holds them, or (no baseline) every host has them (409
//                                          imc.baseline naming the features beyond)
//   assertBiosUuidFree(view, uuid)         one VM per BIOS uuid in an installation (409 vm.biosUuid)
//   assertResumable(view, vm)              resume only where the saved CPU features exist (409 imc.baseline)
//   liftVmFileV1(config)                   a virtsim-vm/1 config (exports before C3 import kept the VM) as a v2
//                                          file to validate: its vmId, spec and BIOS; stopped (v1 wrote no saved
//                                          state, only a marker); disk descriptors recomputed (v1's named no content)
import {
  conflict, defaultVmBios, diskContentId, invalid, SECTORS_PER_GIB, VM_FILE_FORMAT,
} from '@virtsim/contracts';
import type { DiskContentDescriptor, DiskSpec, FieldError, VmBios, VmFile, VmSavedState, VmSpec } from '@virtsim/contracts';
import { imcFeatures, missingFeatures } from './imc.js';
import { requireCluster } from './lookup.js';
import type { InventoryView, VmView } from './view.js';

/** the virtual adapter a disk's descriptor names (VMDK ddb.adapterType) */
const ADAPTERS: Readonly<Record<DiskSpec['bus'], string>> = {
  ide: 'ide', sata: 'lsisas1068', scsi: 'lsilogic', virtio: 'virtio', xen: 'xen', passthrough: 'pci-passthrough',
};

/** the folder's name: the VM's name with anything but letters, digits, . _ - as _ */
export const vmFolderName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

export function diskDescriptorsOf(name: string, disks: readonly DiskSpec[], bios: VmBios): DiskContentDescriptor[] {
  const dir = vmFolderName(name);
  return disks.map((d, index) => ({
    index, file: `${dir}-disk${index}-flat.img`, sectors: d.sizeGiB * SECTORS_PER_GIB, contentId: diskContentId(bios.uuid, index), adapter: ADAPTERS[d.bus],
  }));
}

export function vmFileOf(vm: VmView): VmFile {
  if (vm.state !== 'stopped' && vm.state !== 'suspended') {
    throw conflict('vm.state', `VM ${vm.spec.name} (${vm.id}) is ${vm.state}: stop or suspend it to export it (a running guest's memory and CPU state change while they are written)`,
      { vmId: vm.id, from: vm.state, to: 'exported' });
  }
  const { clusterId: _cluster, powerOn: _powerOn, ...spec } = vm.spec;
  const saved: VmSavedState | null = vm.state === 'suspended'
    ? { cpu: { features: [...(vm.cpuFeatures ?? [])], pendingVcpus: vm.pendingVcpus }, memory: { imageMiB: vm.spec.memoryMiB } }
    : null;
  return { format: VM_FILE_FORMAT, vmId: vm.id, spec, bios: vm.bios, state: vm.state, saved, disks: diskDescriptorsOf(vm.spec.name, vm.spec.disks, vm.bios) };
}

export interface ImportTarget {
  clusterId: string;
  /** a copy beside the original under this name: new id, new BIOS uuid */
  name?: string;
  /** an id this installation has given already (to a VM that exists, was deleted or failed to be created: its
   *  history is under that id) */
  issued: (vmId: string) => boolean;
  /** the id a new VM gets here */
  newVmId: string;
}

export interface ImportPlan {
  vmId: string;
  spec: VmSpec;
  bios: VmBios;
  saved: VmSavedState | null;
  /** true: a copy (new id and BIOS uuid); false: the same VM, under its own id unless that was taken */
  copy: boolean;
}

export function planVmImport(view: InventoryView, file: VmFile, target: ImportTarget): ImportPlan {
  assertDiskContents(file);
  const copy = target.name !== undefined;
  const idFree = !copy && /^vm[1-9]\d*$/.test(file.vmId) && !Object.hasOwn(view.vms, file.vmId) && !target.issued(file.vmId);
  const vmId = idFree ? file.vmId : target.newVmId;
  const name = target.name ?? file.spec.name;
  const bios: VmBios = copy ? { ...file.bios, uuid: defaultVmBios(vmId, name).uuid } : file.bios;
  const spec: VmSpec = { ...file.spec, name, clusterId: target.clusterId, powerOn: false };
  requireCluster(view, target.clusterId);
  assertBiosUuidFree(view, bios.uuid);
  if (file.saved) assertRestorable(view, target.clusterId, name, file.saved);
  return { vmId, spec, bios, saved: file.saved, copy };
}

/** each descriptor is the disk of this VM it claims to be: its content id follows the BIOS uuid */
function assertDiskContents(file: VmFile): void {
  const expected = diskDescriptorsOf(file.spec.name, file.spec.disks, file.bios);
  const errors: FieldError[] = [];
  file.disks.forEach((d, i) => {
    const e = expected[i];
    if (!e) return;
    if (d.contentId !== e.contentId) errors.push({ path: `disks.${i}.contentId`, message: `${d.contentId} is not the content of disk ${i} of BIOS ${file.bios.uuid} (${e.contentId})` });
    if (d.adapter !== e.adapter) errors.push({ path: `disks.${i}.adapter`, message: `${d.adapter} is not the adapter of bus ${file.spec.disks[i]!.bus} (${e.adapter})` });
    if (d.file !== e.file) errors.push({ path: `disks.${i}.file`, message: `${d.file} is not disk ${i}'s extent (${e.file})` });
  });
  if (errors.length) throw invalid(`the VM's disk descriptors do not match its configuration: ${errors.map((x) => `${x.path}: ${x.message}`).join('; ')}`, errors);
}

export function assertBiosUuidFree(view: InventoryView, uuid: string): void {
  for (const vm of Object.values(view.vms)) {
    if (vm.bios.uuid === uuid) {
      throw conflict('vm.biosUuid', `VM ${vm.spec.name} (${vm.id}) already has BIOS uuid ${uuid}: this is the same VM; import it with a new name for a copy beside it`,
        { vmId: vm.id, uuid });
    }
  }
}

export function assertRestorable(view: InventoryView, clusterId: string, name: string, saved: VmSavedState): void {
  const cluster = requireCluster(view, clusterId);
  const baseline = cluster.spec.imcBaseline;
  const lacking = (available: readonly string[]) => missingFeatures(saved.cpu.features, available);
  if (baseline) {
    const beyond = lacking(imcFeatures(baseline));
    if (beyond.length === 0) return;
    throw conflict('imc.baseline', `VM ${name} is suspended with CPU features beyond the IMC baseline of cluster ${cluster.spec.name} (${clusterId}): ${beyond.join(', ')}; ` +
      'stop it before exporting it, or import it into a cluster whose baseline has them', { clusterId, beyond });
  }
  for (const hostId of Object.keys(cluster.hostIds).sort()) {
    const host = view.hosts[hostId]!;
    const beyond = lacking(host.spec.cpu.features);
    if (beyond.length > 0) {
      throw conflict('imc.baseline', `VM ${name} is suspended with CPU features host ${host.spec.name} (${hostId}) of cluster ${cluster.spec.name} lacks: ${beyond.join(', ')}; ` +
        'stop it before exporting it, or import it into a cluster whose hosts (or IMC baseline) have them', { clusterId, hostId, beyond });
    }
  }
}

export function assertResumable(view: InventoryView, vm: VmView): void {
  const host = vm.hostId === null ? undefined : view.hosts[vm.hostId];
  if (!host || vm.cpuFeatures === null) return;
  const beyond = missingFeatures(vm.cpuFeatures, host.spec.cpu.features);
  if (beyond.length === 0) return;
  throw conflict('imc.baseline', `VM ${vm.spec.name} (${vm.id}) was suspended with CPU features host ${host.spec.name} (${host.id}) lacks: ${beyond.join(', ')}; ` +
    'migrate it to a host that has them, or stop it (its saved state is lost) and start it here', { vmId: vm.id, hostId: host.id, beyond });
}

export const VM_FILE_FORMAT_V1 = 'virtsim-vm/1';

/** Lifts a v1 config to the v2 shape; whatever it lacks is then reported field by field by VmFile. */
export function liftVmFileV1(config: Record<string, unknown>): Record<string, unknown> {
  const o = (v: unknown): Record<string, any> => (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, any> : {});
  const h = o(config.hardware), cpu = o(config.cpu), mem = o(config.memory), bios = o(config.bios);
  const name = config.name;
  const spec = {
    name, guestOs: config.guestOs, toolsInstalled: config.toolsInstalled, vcpus: h.vcpus, memoryMiB: h.memoryMiB, disks: h.disks, nics: h.nics,
    floppies: h.floppies, gpus: h.gpus, ...(h.numa ? { numa: h.numa } : {}), hugePages: h.hugePages, cpuShares: cpu.shares,
    cpuReservationMhz: cpu.reservationMhz, ...(cpu.limitMhz ? { cpuLimitMhz: cpu.limitMhz } : {}), memoryReservationMiB: mem.reservationMiB,
    ...(config.ha ? { ha: config.ha } : {}), ...(config.workload ? { workload: config.workload } : {}),
  };
  const lifted = { firmware: bios.firmware, uuid: bios.uuid, bootOrder: bios.bootOrder };
  const disks = typeof name === 'string' && typeof lifted.uuid === 'string' && Array.isArray(h.disks) && h.disks.every((d) => Number.isInteger(o(d).sizeGiB) && o(d).bus in ADAPTERS)
    ? diskDescriptorsOf(name, h.disks as DiskSpec[], lifted as VmBios)
    : [];
  return { format: VM_FILE_FORMAT, vmId: o(config.exportedFrom).vmId, spec, bios: lifted, state: 'stopped', saved: null, disks };
}
