// Specs from flags, so that a first-time user needs no YAML (issue 19):
//   virtsim clusters add-host <cluster> --cpu 2x8x2 --mem 256G [--name h5]
//   virtsim vms create <name> --cluster <c> --vcpus 2 --mem 4G --os ubuntu/22.04
// The rest of each spec is the demo's (a Xeon Gold host on kvm; a virtio disk and NIC).
import { demoHostSpec } from './demo.js';
import { UsageError } from './errors.js';

/** sockets x cores per socket x threads per core: `2x8x2`, or `2x8` (one thread per core) */
export function parseCpu(text: string): { sockets: number; coresPerSocket: number; threadsPerCore: number } {
  const m = /^(\d+)x(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--cpu ${text}: expected sockets x cores x threads, e.g. 2x8x2`);
  const [sockets, coresPerSocket, threadsPerCore] = [m[1], m[2], m[3] ?? '1'].map(Number);
  if (!sockets || !coresPerSocket || !threadsPerCore) throw new UsageError(`--cpu ${text}: every count must be at least 1`);
  return { sockets, coresPerSocket, threadsPerCore };
}

/** a memory size in MiB: `256G`, `4GiB`, `512M`, `1T`, or a bare number of MiB */
export function parseMemory(text: string, flag = '--mem'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([mgt])?(?:i?b)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag} ${text}: expected a size like 4G, 512M or 1T`);
  const mib = Number(m[1]) * { m: 1, g: 1024, t: 1024 * 1024 }[(m[2] ?? 'm').toLowerCase() as 'm' | 'g' | 't'];
  if (!Number.isInteger(mib) || mib <= 0) throw new UsageError(`${flag} ${text}: not a whole number of MiB`);
  return mib;
}

/** `ubuntu/22.04`, `windows/2022`, `linux/5.15`: the guest OS the API knows (GET /api/v1/guest-os lists them) */
export function parseOs(text: string): { family: 'linux' | 'windows'; distro?: string; version: string } {
  const m = /^([a-z][\w-]*)\/([\w.-]+)$/i.exec(text.trim());
  if (!m) throw new UsageError(`--os ${text}: expected <distro>/<version>, e.g. ubuntu/22.04 or windows/2022`);
  const name = m[1].toLowerCase();
  if (name === 'windows') return { family: 'windows', version: m[2] };
  if (name === 'linux') return { family: 'linux', version: m[2] };
  return { family: 'linux', distro: name, version: m[2] };
}

export function hostSpecFromFlags(o: { name: string; cpu?: string; mem?: string }) {
  const base = demoHostSpec(o.name);
  return { ...base, cpu: { ...base.cpu, ...(o.cpu ? parseCpu(o.cpu) : {}) }, ...(o.mem ? { memoryMiB: parseMemory(o.mem) } : {}) };
}

export function vmSpecFromFlags(o: { name: string; clusterId: string; vcpus?: number; mem?: string; os?: string; powerOn?: boolean }) {
  return {
    name: o.name, clusterId: o.clusterId, vcpus: o.vcpus ?? 1, memoryMiB: o.mem ? parseMemory(o.mem) : 2048,
    guestOs: parseOs(o.os ?? 'ubuntu/22.04'), disks: [{ sizeGiB: 20, bus: 'virtio' }], nics: [{ model: 'virtio' }],
    ...(o.powerOn ? { powerOn: true } : {}),
  };
}
