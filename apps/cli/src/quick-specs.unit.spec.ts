import { HostSpec, VmSpec } from '@virtsim/contracts';
import { hostSpecFromFlags, parseCpu, parseMemory, parseOs, vmSpecFromFlags } from './quick-specs.js';

test('--cpu', () => {
  expect(parseCpu('2x8x2')).toEqual({ sockets: 2, coresPerSocket: 8, threadsPerCore: 2 });
  expect(parseCpu('1x4')).toEqual({ sockets: 1, coresPerSocket: 4, threadsPerCore: 1 });
  expect(() => parseCpu('16')).toThrow(/2x8x2/);
  expect(() => parseCpu('0x8x2')).toThrow(/at least 1/);
});

test('--mem', () => {
  expect(parseMemory('256G')).toBe(262144);
  expect(parseMemory('4GiB')).toBe(4096);
  expect(parseMemory('512M')).toBe(512);
  expect(parseMemory('1T')).toBe(1048576);
  expect(parseMemory('2048')).toBe(2048);
  expect(parseMemory('1.5G')).toBe(1536);
  expect(() => parseMemory('lots')).toThrow(/4G/);
});

test('--os', () => {
  expect(parseOs('ubuntu/22.04')).toEqual({ family: 'linux', distro: 'ubuntu', version: '22.04' });
  expect(parseOs('windows/2022')).toEqual({ family: 'windows', version: '2022' });
  expect(() => parseOs('ubuntu')).toThrow(/ubuntu\/22.04/);
});

test('the specs made from flags are what the API accepts', () => {
  const host = hostSpecFromFlags({ name: 'h5', cpu: '2x8x2', mem: '256G' });
  expect(HostSpec.safeParse(host).success).toBe(true);
  expect(host).toMatchObject({ memoryMiB: 262144, cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2 } });
  const vm = vmSpecFromFlags({ name: 'web1', clusterId: 'cluster-1', vcpus: 2, mem: '4G', os: 'ubuntu/22.04' });
  expect(VmSpec.safeParse(vm).success).toBe(true);
  expect(vm).toMatchObject({ vcpus: 2, memoryMiB: 4096, guestOs: { distro: 'ubuntu', version: '22.04' } });
});
