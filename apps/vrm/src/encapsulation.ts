// Encapsulation (C3): a VM is a folder: a config file (hardware, BIOS, CPU and memory state) plus one
// descriptor file per disk. Export packs it as a tar; import reads it back into a VmSpec.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { invalid, VmSpec } from '@virtsim/contracts';
import type { inventory } from '@virtsim/domain';
import { parse } from '@virtsim/service-kit';
import tar from 'tar-stream';
import { z } from 'zod';

export const CONFIG_FORMAT = 'virtsim-vm/1';

export function vmConfig(vm: inventory.VmView, extra: { memory?: unknown; cpu?: unknown }) {
  const s = vm.spec;
  return {
    format: CONFIG_FORMAT,
    name: s.name,
    guestOs: s.guestOs,
    toolsInstalled: s.toolsInstalled,
    hardware: { vcpus: s.vcpus, memoryMiB: s.memoryMiB, disks: s.disks, nics: s.nics, floppies: s.floppies, gpus: s.gpus, numa: s.numa ?? null, hugePages: s.hugePages },
    bios: { firmware: 'bios', uuid: biosUuid(vm.id, s.name), bootOrder: ['disk', 'cdrom', 'network'] },
    cpu: { shares: s.cpuShares, reservationMhz: s.cpuReservationMhz, limitMhz: s.cpuLimitMhz ?? null, features: vm.cpuFeatures, state: vm.state === 'suspended' ? 'saved' : 'none', runtime: extra.cpu ?? null },
    memory: { reservationMiB: s.memoryReservationMiB, state: vm.state === 'suspended' ? 'saved' : 'none', runtime: extra.memory ?? null },
    ha: s.ha ?? null,
    workload: s.workload ?? null,
    exportedFrom: { vmId: vm.id, clusterId: vm.clusterId, state: vm.state },
  };
}

function biosUuid(vmId: string, name: string): string {
  const h = createHash('sha1').update(`${vmId}/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function diskDescriptor(name: string, i: number, disk: VmSpec['disks'][number]): string {
  const sectors = disk.sizeGiB * 2 * 1024 * 1024;
  const adapter = { ide: 'ide', sata: 'lsisas1068', scsi: 'lsilogic', virtio: 'virtio', xen: 'xen', passthrough: 'pci-passthrough' }[disk.bus];
  return [
    '# Disk DescriptorFile', 'version=1', `CID=${createHash('md5').update(`${name}/${i}`).digest('hex').slice(0, 8)}`, 'parentCID=ffffffff',
    'createType="monolithicSparse"', '', '# Extent description', `RW ${sectors} SPARSE "${name}-disk${i}-flat.img"`, '',
    '# The Disk Data Base', `ddb.adapterType = "${adapter}"`, `ddb.virtualHWVersion = "virtsim-1"`, `ddb.datastore = "${disk.datastore ?? ''}"`, '',
  ].join('\n');
}

export async function packVm(config: ReturnType<typeof vmConfig>): Promise<Buffer> {
  const pack = tar.pack();
  const dir = config.name.replace(/[^A-Za-z0-9._-]/g, '_');
  pack.entry({ name: `${dir}/${dir}.json`, mtime: new Date(0) }, JSON.stringify(config, null, 2) + '\n');
  config.hardware.disks.forEach((d, i) => pack.entry({ name: `${dir}/${dir}-disk${i}.descriptor`, mtime: new Date(0) }, diskDescriptor(dir, i, d)));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const ImportedConfig = z.looseObject({
  format: z.literal(CONFIG_FORMAT),
  name: z.string(),
  guestOs: z.unknown(),
  toolsInstalled: z.boolean().optional(),
  hardware: z.looseObject({ vcpus: z.number(), memoryMiB: z.number(), disks: z.array(z.unknown()), nics: z.array(z.unknown()), floppies: z.array(z.unknown()).optional(), gpus: z.array(z.unknown()).optional(), numa: z.unknown().optional(), hugePages: z.boolean().optional() }),
  cpu: z.looseObject({ shares: z.number().optional(), reservationMhz: z.number().optional(), limitMhz: z.number().nullable().optional() }),
  memory: z.looseObject({ reservationMiB: z.number().optional() }),
  ha: z.unknown().optional(),
  workload: z.unknown().optional(),
});

export async function unpackVm(body: Buffer, clusterId: string, rename?: string): Promise<VmSpec> {
  if (!Buffer.isBuffer(body) || body.length === 0) throw invalid('send the exported VM as the body (Content-Type: application/x-tar)', [{ path: '(body)', message: 'empty or not a tar' }]);
  const extract = tar.extract();
  let config: string | null = null;
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => { if (header.name.endsWith('.json') && config === null) config = Buffer.concat(chunks).toString('utf8'); next(); });
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', (err: Error) => reject(invalid(`not a VM archive: ${err.message}`, [{ path: '(body)', message: err.message }])));
    Readable.from(body).pipe(extract);
  });
  if (config === null) throw invalid('the archive has no VM config file (<name>/<name>.json)', [{ path: '(body)', message: 'no config file' }]);
  let json: unknown;
  try { json = JSON.parse(config); } catch { throw invalid('the VM config file is not JSON', [{ path: 'config', message: 'not JSON' }]); }
  const c = parse(ImportedConfig, json, 'VM config');
  return parse(VmSpec, {
    name: rename ?? c.name, clusterId, vcpus: c.hardware.vcpus, memoryMiB: c.hardware.memoryMiB, guestOs: c.guestOs,
    toolsInstalled: c.toolsInstalled, disks: c.hardware.disks, nics: c.hardware.nics, floppies: c.hardware.floppies ?? [],
    gpus: c.hardware.gpus ?? [], ...(c.hardware.numa ? { numa: c.hardware.numa } : {}), hugePages: c.hardware.hugePages ?? false,
    cpuShares: c.cpu.shares, cpuReservationMhz: c.cpu.reservationMhz, ...(c.cpu.limitMhz ? { cpuLimitMhz: c.cpu.limitMhz } : {}),
    memoryReservationMiB: c.memory.reservationMiB, ...(c.ha ? { ha: c.ha } : {}), ...(c.workload ? { workload: c.workload } : {}),
  }, 'VM config');
}
