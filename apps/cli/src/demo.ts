// `virtsim demo`: a small inventory like vcsim's defaults, built through the API: cluster DC0_C0, hosts
// DC0_C0_H0..H3, VMs DC0_C0_VM0..VM7 of which VM0 and VM1 are powered on. Idempotent: only what is missing
// (by name) is created, so a second run does nothing.
import type { ApiClient } from './http.js';

export const DEMO = { cluster: 'DC0_C0', hosts: 4, vms: 8, poweredOn: 2 } as const;

const hostName = (i: number) => `${DEMO.cluster}_H${i}`;
const vmName = (i: number) => `${DEMO.cluster}_VM${i}`;

export const demoHostSpec = (name: string) => ({
  name,
  cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon Gold 6230', features: ['vmx', 'ept', 'vt-d', 'sse4_2', 'avx', 'avx2', 'aes', 'popcnt'] },
  memoryMiB: 131072, numaNodes: 2, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' },
});

export const demoVmSpec = (clusterId: string, i: number) => ({
  name: vmName(i), clusterId, vcpus: 1, memoryMiB: 2048, guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' },
  disks: [{ sizeGiB: 20, bus: 'virtio' }], nics: [{ model: 'virtio' }], powerOn: i < DEMO.poweredOn,
});

export interface DemoPlan { cluster: boolean; hosts: string[]; vms: number[] }

/** what is missing, by name (pure) */
export function demoPlan(existing: { cluster: boolean; hostNames: string[]; vmNames: string[] }): DemoPlan {
  const hosts = new Set(existing.hostNames);
  const vms = new Set(existing.vmNames);
  return {
    cluster: !existing.cluster,
    hosts: Array.from({ length: DEMO.hosts }, (_, i) => hostName(i)).filter((n) => !hosts.has(n)),
    vms: Array.from({ length: DEMO.vms }, (_, i) => i).filter((i) => !vms.has(vmName(i))),
  };
}

interface Named { id: string; name: string }

/** builds what is missing; the answer says what was created */
export async function buildDemo(client: ApiClient, waitFor: (answer: unknown) => Promise<unknown>): Promise<{ clusterId: string; created: DemoPlan }> {
  let cluster = (await client.list<Named>('/clusters')).find((c) => c.name === DEMO.cluster);
  const hostNames = cluster ? (await client.list<Named>(`/clusters/${encodeURIComponent(cluster.id)}/hosts`)).map((h) => h.name) : [];
  const vmNames = cluster ? (await client.list<Named>('/vms', { clusterId: cluster.id })).map((v) => v.name) : [];
  const plan = demoPlan({ cluster: !!cluster, hostNames, vmNames });
  cluster ??= await client.post<Named>('/clusters', { name: DEMO.cluster });
  for (const name of plan.hosts) await client.post(`/clusters/${encodeURIComponent(cluster.id)}/hosts`, demoHostSpec(name));
  if (plan.vms.length > 0) await waitFor(await client.post('/vms:batch', { vms: plan.vms.map((i) => demoVmSpec(cluster.id, i)) }));
  return { clusterId: cluster.id, created: plan };
}
