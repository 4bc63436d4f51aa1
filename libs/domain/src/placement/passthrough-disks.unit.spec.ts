import { VirtsimError } from '@virtsim/contracts';
import { clusterCreated, given, hostAdded, runningVm, vmSpec } from './fixtures.spec.js';
import { placeVm } from './place.js';

const VTD = ['vmx', 'ept', 'sse4_2', 'avx2', 'vt-d'];
const cpu = (features: string[]) => ({ sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel' as const, model: 'Xeon', arch: 'x86' as const, features });
const nvmeHost = (id: string, features = VTD, models = ['Samsung PM9A3']) =>
  hostAdded(id, { cpu: cpu(features), pciDevices: models.map((model) => ({ kind: 'nvme' as const, model })) });
const nvmeVm = (model?: string) => ({ disks: [{ sizeGiB: 3840, bus: 'passthrough' as const, device: 'nvme' as const, ...(model ? { model } : {}) }] });

function refusal(fn: () => unknown): VirtsimError {
  try { fn(); } catch (e) { if (e instanceof VirtsimError) return e; throw e; }
  throw new Error('expected placement to be refused');
}

describe('passthrough disks at placement (I4)', () => {
  it('only a host with vt-d and a free NVMe device: h1 has no IOMMU, h2 has one device, held by a VM already', () => {
    const state = given(clusterCreated(), nvmeHost('h1', ['vmx', 'ept']), nvmeHost('h2'), nvmeHost('h3'), runningVm('db-1', 'h2', nvmeVm()));
    expect(placeVm(state, { vmId: 'db-2', spec: vmSpec('db-2', nvmeVm()) }).hostId).toBe('h3');
  });

  it('no host left: refused naming the devices filter; a VM without a passthrough disk still fits', () => {
    const state = given(clusterCreated(), nvmeHost('h1', ['vmx', 'ept']), nvmeHost('h2'), runningVm('db-1', 'h2', nvmeVm()));
    const err = refusal(() => placeVm(state, { vmId: 'db-2', spec: vmSpec('db-2', nvmeVm()) }));
    expect(err.details.filters).toEqual([{ filter: 'devices', rejected: 2 }]);
    expect(placeVm(state, { vmId: 'web', spec: vmSpec('web') }).hostId).toBe('h1');
  });

  it('a model asked for: only the host that has it', () => {
    const state = given(clusterCreated(), nvmeHost('h1'), nvmeHost('h2', VTD, ['Samsung PM9A3', 'Intel P5510']));
    expect(placeVm(state, { vmId: 'db', spec: vmSpec('db', nvmeVm('Intel P5510')) }).hostId).toBe('h2');
  });
});

describe('SR-IOV NICs and passthrough GPUs at placement (I4, I5): the rules io-backend applies at attach-devices', () => {
  const nicHost = (id: string, features: string[], nics = 1) =>
    hostAdded(id, { cpu: cpu(features), pciDevices: Array.from({ length: nics }, () => ({ kind: 'nic' as const, model: 'Intel X710' })) });
  const sriov = { nics: [{ model: 'sriov' as const }] };

  it('an SR-IOV NIC needs an IOMMU: a host without vt-d is refused under devices (io-backend: io.iommuRequired)', () => {
    const state = given(clusterCreated(), nicHost('h1', ['vmx', 'ept']));
    expect(refusal(() => placeVm(state, { vmId: 'n', spec: vmSpec('n', sriov) })).details.filters).toEqual([{ filter: 'devices', rejected: 1 }]);
    expect(placeVm(given(clusterCreated(), nicHost('h1', VTD)), { vmId: 'n', spec: vmSpec('n', sriov) }).hostId).toBe('h1');
  });

  it('one host NIC function, held by an SR-IOV VM already: the second goes to the host with a free one', () => {
    const state = given(clusterCreated(), nicHost('h1', VTD), nicHost('h2', VTD), runningVm('n1', 'h1', sriov));
    expect(placeVm(state, { vmId: 'n2', spec: vmSpec('n2', sriov) }).hostId).toBe('h2');
  });

  it('a passthrough GPU needs an IOMMU too', () => {
    const gpu = (features: string[]) => hostAdded('g', { cpu: cpu(features), pciDevices: [{ kind: 'gpu', model: 'T4' }] });
    const spec = vmSpec('p', { gpus: [{ mode: 'passthrough' }] });
    expect(refusal(() => placeVm(given(clusterCreated(), gpu(['vmx', 'ept'])), { vmId: 'p', spec })).details.filters).toEqual([{ filter: 'devices', rejected: 1 }]);
    expect(placeVm(given(clusterCreated(), gpu(VTD)), { vmId: 'p', spec }).hostId).toBe('g');
  });
});

describe('a refusal says why each host was refused (issue 15)', () => {
  it('lists each refused host with its filter and names the owner rule the filter applies', () => {
    const nicHost = (id: string, features: string[]) => hostAdded(id, { cpu: cpu(features), pciDevices: [{ kind: 'nic' as const, model: 'Intel X710' }] });
    const state = given(clusterCreated(), nicHost('h1', ['vmx', 'ept']), nicHost('h2', ['vmx', 'ept']));
    const err = refusal(() => placeVm(state, { vmId: 'n', spec: vmSpec('n', { nics: [{ model: 'sriov' }] }) }));
    expect(err.details.refusedHosts).toEqual([{ hostId: 'h1', name: 'h1', filter: 'devices' }, { hostId: 'h2', name: 'h2', filter: 'devices' }]);
    expect(err.message).toMatch(/devices: 2 \(.*no IOMMU for passthrough \(io-backend planPci\)\)/);
  });
});
