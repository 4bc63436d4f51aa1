// Encapsulation (C3): a VM is a folder, packed as a tar: `<name>/<name>.json`, the config file (hardware spec,
// BIOS, power state and, suspended, the saved CPU and memory state), and one content descriptor per disk,
// `<name>/<name>-disk<i>.descriptor` (VMDK-like text: content id, extent, adapter). What goes in and what an
// import checks are the domain's (libs/domain/src/inventory/vm-file.ts); this file is the tar and the text.
import { Readable } from 'node:stream';
import { canonicalJson, invalid, VM_FILE_FORMAT, VmFile, type DiskContentDescriptor, type FieldError } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { parse } from '@virtsim/service-kit';
import tar from 'tar-stream';

/** a tar of at most this many entries (a config and 60 disks) is read; more is not a VM folder */
const MAX_ENTRIES = 64;

export function diskDescriptorText(d: DiskContentDescriptor): string {
  return [
    '# Disk DescriptorFile', 'version=1', `CID=${d.contentId}`, 'parentCID=ffffffff', 'createType="monolithicSparse"', '',
    '# Extent description', `RW ${d.sectors} SPARSE "${d.file}"`, '',
    '# The Disk Data Base', `ddb.adapterType = "${d.adapter}"`, 'ddb.virtualHWVersion = "virtsim-2"', '',
  ].join('\n');
}

/** the descriptor's fields back; a field that is missing is reported under `disks.<i>` */
export function parseDiskDescriptor(text: string, index: number, errors: FieldError[]): unknown {
  const cid = /^CID=(\S+)$/m.exec(text)?.[1];
  const extent = /^RW (\d+) SPARSE "([^"]+)"$/m.exec(text);
  const adapter = /^ddb\.adapterType = "([^"]*)"$/m.exec(text)?.[1];
  if (cid === undefined || !extent || adapter === undefined) {
    errors.push({ path: `disks.${index}`, message: `not a disk descriptor (${[cid === undefined && 'CID', !extent && 'extent line', adapter === undefined && 'ddb.adapterType'].filter(Boolean).join(', ')} missing)` });
    return null;
  }
  return { index, file: extent[2], sectors: Number(extent[1]), contentId: cid, adapter };
}

export async function packVm(file: VmFile): Promise<Buffer> {
  const pack = tar.pack();
  const dir = inventory.vmFolderName(file.spec.name);
  const { disks, ...config } = file;
  // keys sorted: the same VM gives the same file, however its spec was put together
  pack.entry({ name: `${dir}/${dir}.json`, mtime: new Date(0) }, JSON.stringify(JSON.parse(canonicalJson(config)), null, 2) + '\n');
  disks.forEach((d, i) => pack.entry({ name: `${dir}/${dir}-disk${i}.descriptor`, mtime: new Date(0) }, diskDescriptorText(d)));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const noArchive = (message: string) => invalid(`not a VM archive: ${message}`, [{ path: '(body)', message }]);

/** the archive's files by name (the tar's own structure only: what they say is checked by VmFile) */
async function readTar(body: Buffer): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') files.set(header.name, Buffer.concat(chunks).toString('utf8'));
      if (files.size > MAX_ENTRIES) extract.destroy(new Error(`more than ${MAX_ENTRIES} files`));
      else next();
    });
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', (err: Error) => reject(noArchive(err.message)));
    Readable.from(body).pipe(extract);
  });
  return files;
}

/** The VM file an export wrote: the config and its disk descriptors, validated field by field (400). */
export async function unpackVm(body: Buffer): Promise<VmFile> {
  if (!Buffer.isBuffer(body) || body.length === 0) throw invalid('send the exported VM as the body (Content-Type: application/x-tar)', [{ path: '(body)', message: 'empty or not a tar' }]);
  const files = await readTar(body);
  const configs = [...files.keys()].filter((n) => /^([^/]+)\/\1\.json$/.test(n));
  if (configs.length !== 1) throw noArchive(configs.length ? `${configs.length} config files` : 'no config file (<name>/<name>.json)');
  const dir = configs[0]!.split('/')[0]!;
  let json: unknown;
  try { json = JSON.parse(files.get(configs[0]!)!); } catch { throw invalid('the VM config file is not JSON', [{ path: 'config', message: 'not JSON' }]); }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw invalid('the VM config file is not a JSON object', [{ path: 'config', message: 'not an object' }]);
  const format = (json as { format?: unknown }).format;
  // an export from before C3 import kept the VM: its id, spec and BIOS come back; it is imported stopped
  if (format === inventory.VM_FILE_FORMAT_V1) return parse(VmFile, inventory.liftVmFileV1(json as Record<string, unknown>), 'VM file (virtsim-vm/1)');
  if (format !== VM_FILE_FORMAT) {
    throw invalid(`the VM config file is format ${JSON.stringify(format)}; this version reads ${VM_FILE_FORMAT} (and ${inventory.VM_FILE_FORMAT_V1})`, [{ path: 'format', message: `expected ${VM_FILE_FORMAT}` }]);
  }
  const errors: FieldError[] = [];
  const disks: unknown[] = [];
  for (let i = 0; files.has(`${dir}/${dir}-disk${i}.descriptor`); i++) disks.push(parseDiskDescriptor(files.get(`${dir}/${dir}-disk${i}.descriptor`)!, i, errors));
  if (errors.length) throw invalid(`the VM's disk descriptors are unreadable: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  return parse(VmFile, { ...json, disks }, 'VM file');
}
