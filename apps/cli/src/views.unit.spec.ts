// The short get/list views: human headers, usage columns, a summary line, -o wide|json|yaml, colour only when asked.
import { parse as parseYaml } from 'yaml';
import { clusterColumns, hostColumns, hostLoad, mib, outputOf, renderList, renderOne, summary, usage, vmColumns, type Cluster, type Host, type Vm } from './views.js';
import { painter } from './style.js';
import { UsageError } from './errors.js';

const cluster: Cluster = { id: 'cluster-1', name: 'DC0_C0', hostCount: 2, vmCount: 3, ruleCount: 0, vmsByState: { running: 2, stopped: 1 } };
const host = (id: string, name: string, state = 'connected'): Host => ({
  id, clusterId: 'cluster-1', name, state, power: 'on', maintenance: false, fault: null, threads: 16, vmCount: 0, vmIds: [], spec: { memoryMiB: 65536 },
});
const vm = (id: string, hostId: string | null, state: string, vcpus: number, memoryMiB: number): Vm => ({
  id, name: `web-${id}`, clusterId: 'cluster-1', state, hostId, vcpus, memoryMiB, spec: { guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' } },
  bios: { firmware: 'bios', uuid: `uuid-${id}`, bootOrder: ['disk'] }, cpuFeatures: null,
});
const hosts = [host('host-1', 'h1'), host('host-2', 'h2', 'maintenance')];
const vms = [vm('vm-1', 'host-1', 'running', 4, 8192), vm('vm-2', 'host-1', 'running', 8, 49152), vm('vm-3', 'host-2', 'stopped', 2, 2048)];

test('sizes and usage read as people write them', () => {
  expect(mib(512)).toBe('512 MiB');
  expect(mib(4096)).toBe('4 GiB');
  expect(mib(1536)).toBe('1.5 GiB');
  expect(usage(12, 16)).toBe('12/16 (75%)');
  expect(usage(3, undefined)).toBe('3/-');
});

test('a host carries what its running VMs take; a stopped VM takes nothing', () => {
  const load = hostLoad(vms);
  expect(load.get('host-1')).toEqual({ vcpus: 12, memoryMiB: 57344 });
  expect(load.get('host-2')).toBeUndefined();
});

test('the host list: human headers, CPU and memory used of capacity, a summary line', () => {
  const text = renderList(hosts, 'table', hostColumns(vms, [cluster], false), summary('host', hosts.map((h) => h.state)));
  const [header, first, second, last] = text.split('\n');
  expect(header).toMatch(/^NAME +STATE +CLUSTER +VMS +CPU USED +MEMORY USED$/);
  expect(first).toMatch(/^h1 +connected +DC0_C0 +0 +12\/16 \(75%\) +56 GiB\/64 GiB \(88%\)$/);
  expect(second).toMatch(/^h2 +maintenance +DC0_C0 +0 +0\/16 \(0%\) +0 MiB\/64 GiB \(0%\)$/);
  expect(last).toBe('2 hosts: 1 connected, 1 maintenance');
  expect(text).not.toContain('host-1'); // ids only in the wide view
  expect(renderList(hosts, 'wide', hostColumns(vms, [cluster], true), '')).toMatch(/^NAME +ID +STATE .* POWER +MAINTENANCE +FAULT$/m);
});

test('the VM list names hosts, shows power, vCPU and memory; wide adds id, cluster and guest OS', () => {
  const short = renderList(vms, 'table', vmColumns(hosts, [cluster], false), summary('VM', vms.map((v) => v.state)));
  expect(short.split('\n')[0]).toMatch(/^NAME +POWER +HOST +VCPU +MEMORY$/);
  expect(short).toMatch(/^web-vm-2 +running +h1 +8 +48 GiB$/m);
  expect(short.split('\n').at(-1)).toBe('3 VMs: 2 running, 1 stopped');
  const wide = renderList(vms, 'wide', vmColumns(hosts, [cluster], true), '');
  expect(wide).toMatch(/^web-vm-3 +vm-3 +stopped +h2 +2 +2 GiB +DC0_C0 +ubuntu 22\.04/m);
});

test('json and yaml carry the whole objects; get shows the short fields as lines', () => {
  expect(JSON.parse(renderList(vms, 'json', [], ''))).toEqual({ items: vms });
  expect(parseYaml(renderList(vms, 'yaml', [], ''))).toEqual({ items: vms });
  expect(parseYaml(renderOne(cluster, 'yaml', clusterColumns(false)))).toEqual(cluster);
  const one = renderOne(cluster, 'table', clusterColumns(false));
  expect(one.split('\n')).toEqual(['Name     DC0_C0', 'Hosts    2', 'VMs      3', 'Running  2', 'HA       -', 'DRS      no']);
  expect(renderOne(cluster, 'wide', clusterColumns(true))).toContain('vmsByState.stopped');
});

test('colour: states and headers painted only with a painter that is on', () => {
  const plain = renderList(hosts, 'table', hostColumns(vms, [cluster], false), 's');
  expect(plain).not.toContain('\u001b[');
  const coloured = renderList(hosts, 'table', hostColumns(vms, [cluster], false), 's', painter(true));
  expect(coloured).toContain('\u001b[32mconnected\u001b[39m');
  expect(coloured).toContain('\u001b[33mmaintenance\u001b[39m');
  expect(coloured).toContain('\u001b[33m56 GiB/64 GiB (88%)\u001b[39m'); // 80% and more is a warning
  expect(coloured.startsWith('\u001b[1mNAME\u001b[22m')).toBe(true);
});

test('-o wins over --json; an unknown format is a usage error', () => {
  expect(outputOf({})).toBe('table');
  expect(outputOf({ json: true })).toBe('json');
  expect(outputOf({ json: true, output: 'yaml' })).toBe('yaml');
  expect(() => outputOf({ output: 'xml' })).toThrow(UsageError);
});
