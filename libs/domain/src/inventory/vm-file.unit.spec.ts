// C3: a VM as files. Given a VM in one installation, when it is exported and imported elsewhere, then it is the
// same VM: id (unless taken), BIOS, power state, saved CPU features and pending vCPUs, disk content ids.
import { defaultVmBios, diskContentId, EVENT_UPCASTERS, VmFile, type InventoryEvent, type VmSpec } from '@virtsim/contracts';
import { IMC_LEVELS } from './imc.js';
import { clusterSpec, clusterWithHosts, createdVm, given, hostSpec, vmSpec } from './inventory.fixtures.js';
import { creationSagas, evolveCreationSagas, nextSagaAction } from './saga.js';
import { evolveInventory, type InventoryView } from './view.js';
import { liftVmFileV1, planVmImport, vmFileOf } from './vm-file.js';
import { vmDecider } from './vm.js';

const withDisks = (name: string, over: Record<string, unknown> = {}): VmSpec =>
  vmSpec(name, 'c1', { disks: [{ sizeGiB: 40, bus: 'virtio' }, { sizeGiB: 100, bus: 'scsi' }], nics: [{ model: 'virtio' }], ...over });

function apply(view: InventoryView, events: InventoryEvent[]): InventoryView {
  for (const e of events) evolveInventory(view, e);
  return view;
}

/** vm1 'web' running on h1, then suspended, with 2 vCPUs waiting for a restart (F4) */
function suspendedWeb(): InventoryView {
  const view = given([...clusterWithHosts(1), ...createdVm('vm1', withDisks('web'), 'h1', true)]);
  apply(view, [
    { type: 'VmReconfigured', data: { vmId: 'vm1', clusterId: 'c1', vcpus: 4, memoryMiB: 4096, pendingVcpus: 6 } },
    ...vmDecider.decide({ type: 'PowerVm', vmId: 'vm1', action: 'suspend' }, view),
  ]);
  return view;
}

/** another installation: cluster c1 with one host, `issued` VMs made before */
function elsewhere(over: { cluster?: Record<string, unknown>; host?: Record<string, unknown> } = {}): InventoryView {
  return given([
    { type: 'ClusterCreated', data: { clusterId: 'c1', spec: clusterSpec(over.cluster) } },
    { type: 'HostAdded', data: { hostId: 'h1', clusterId: 'c1', spec: hostSpec('other-1', {}, over.host) } },
  ]);
}

const none = () => false;
const upTo = (n: number) => (id: string) => Number(id.slice(2)) <= n;

/** the file as it travels: JSON, read back through the contract */
const roundTrip = (file: VmFile): VmFile => VmFile.parse(JSON.parse(JSON.stringify(file)));

describe('export: the VM folder (C3)', () => {
  it('a stopped VM: spec without its cluster, its BIOS, one content descriptor per disk', () => {
    const view = given([...clusterWithHosts(1), ...createdVm('vm1', withDisks('db 1'), 'h1')]);
    const file = vmFileOf(view.vms.vm1!);
    expect(file).toMatchObject({ vmId: 'vm1', state: 'stopped', saved: null, bios: defaultVmBios('vm1', 'db 1') });
    expect(file.spec).not.toHaveProperty('clusterId');
    expect(file.disks).toEqual([
      { index: 0, file: 'db_1-disk0-flat.img', sectors: 40 * 2097152, contentId: diskContentId(file.bios.uuid, 0), adapter: 'virtio' },
      { index: 1, file: 'db_1-disk1-flat.img', sectors: 100 * 2097152, contentId: diskContentId(file.bios.uuid, 1), adapter: 'lsilogic' },
    ]);
    expect(roundTrip(file)).toEqual(file);
  });

  it('a suspended VM carries its saved CPU state (features seen at power-on, pending vCPUs) and memory image', () => {
    const file = vmFileOf(suspendedWeb().vms.vm1!);
    expect(file.state).toBe('suspended');
    expect(file.saved).toEqual({ cpu: { features: hostSpec('x').cpu.features, pendingVcpus: 6 }, memory: { imageMiB: 4096 } });
  });

  it('a running VM is refused (409 vm.state): its state changes while it is written', () => {
    const view = given([...clusterWithHosts(1), ...createdVm('vm1', withDisks('web'), 'h1', true)]);
    expect(() => vmFileOf(view.vms.vm1!)).toThrow(expect.objectContaining({ code: 'conflict', details: expect.objectContaining({ rule: 'vm.state', from: 'running' }) }));
  });
});

describe('import: the same VM elsewhere, a copy with a name', () => {
  const file = () => roundTrip(vmFileOf(suspendedWeb().vms.vm1!));

  it('into another installation: its own id, BIOS and saved state; the saga ends it suspended with those features', () => {
    const there = elsewhere();
    const plan = planVmImport(there, file(), { clusterId: 'c1', issued: none, newVmId: 'vm1' });
    expect(plan).toMatchObject({ vmId: 'vm1', copy: false, bios: file().bios, saved: file().saved, spec: { name: 'web', clusterId: 'c1', powerOn: false } });
    const requested = vmDecider.decide({ type: 'RequestVmCreation', vmId: plan.vmId, spec: plan.spec, bios: plan.bios, saved: plan.saved }, there);
    apply(there, requested);
    const sagas = evolveCreationSagas(creationSagas.initialState(), requested[0]!);
    expect(sagas.vm1!.steps).not.toContain('power-on');
    for (const step of sagas.vm1!.steps) evolveCreationSagas(sagas, { type: 'VmCreationStepCompleted', data: { vmId: 'vm1', clusterId: 'c1', step, hostId: step === 'place' ? 'h1' : null } });
    const done = nextSagaAction(sagas.vm1);
    expect(done.kind).toBe('complete');
    apply(there, (done as { events: InventoryEvent[] }).events);
    const vm = there.vms.vm1!;
    expect({ state: vm.state, bios: vm.bios, cpuFeatures: vm.cpuFeatures, pendingVcpus: vm.pendingVcpus }).toEqual(
      { state: 'suspended', bios: file().bios, cpuFeatures: file().saved!.cpu.features, pendingVcpus: 6 });
    // exported again, it is the same file
    expect(vmFileOf(vm)).toEqual(file());
  });

  it('an id this installation issued already (a VM or a deleted one) is not reused: a new id, the same BIOS', () => {
    const plan = planVmImport(elsewhere(), file(), { clusterId: 'c1', issued: upTo(3), newVmId: 'vm4' });
    expect(plan).toMatchObject({ vmId: 'vm4', copy: false, bios: file().bios });
  });

  it('beside the original (--name): a copy with a new id and a new BIOS uuid; without a name the same VM is refused', () => {
    const here = suspendedWeb();
    const copy = planVmImport(here, file(), { clusterId: 'c1', name: 'web-copy', issued: upTo(1), newVmId: 'vm2' });
    expect(copy).toMatchObject({ vmId: 'vm2', copy: true, spec: { name: 'web-copy' }, bios: { ...file().bios, uuid: defaultVmBios('vm2', 'web-copy').uuid } });
    expect(copy.bios.uuid).not.toBe(file().bios.uuid);
    expect(() => planVmImport(here, file(), { clusterId: 'c1', issued: upTo(1), newVmId: 'vm2' }))
      .toThrow(expect.objectContaining({ code: 'conflict', details: expect.objectContaining({ rule: 'vm.biosUuid', vmId: 'vm1' }) }));
  });

  it('a disk descriptor that is not this VM\'s disk is refused field by field (400), nothing decided', () => {
    const f = file();
    f.disks[1] = { ...f.disks[1]!, contentId: '00000000' };
    expect(() => planVmImport(elsewhere(), f, { clusterId: 'c1', issued: none, newVmId: 'vm1' }))
      .toThrow(expect.objectContaining({ code: 'invalid', details: { errors: [expect.objectContaining({ path: 'disks.1.contentId' })] } }));
    expect(VmFile.safeParse({ ...file(), disks: file().disks.slice(0, 1) }).success).toBe(false);
  });

  it('suspended, it needs its CPU features in the target cluster: refused (409 imc.baseline) naming those beyond; stopped it goes anywhere', () => {
    const low = { imcBaseline: { level: 'nehalem' } };
    const hostLow = { features: [...IMC_LEVELS.nehalem!.features, 'vmx', 'ept'] };
    expect(() => planVmImport(elsewhere({ cluster: low, host: hostLow }), file(), { clusterId: 'c1', issued: none, newVmId: 'vm1' }))
      .toThrow(expect.objectContaining({ code: 'conflict', details: expect.objectContaining({ rule: 'imc.baseline', beyond: expect.arrayContaining(['avx2']) }) }));
    expect(() => planVmImport(elsewhere({ host: hostLow }), file(), { clusterId: 'c1', issued: none, newVmId: 'vm1' }))
      .toThrow(expect.objectContaining({ details: expect.objectContaining({ rule: 'imc.baseline', hostId: 'h1' }) }));
    const stopped = roundTrip(vmFileOf(given([...clusterWithHosts(1), ...createdVm('vm1', withDisks('web'), 'h1')]).vms.vm1!));
    expect(planVmImport(elsewhere({ cluster: low, host: hostLow }), stopped, { clusterId: 'c1', issued: none, newVmId: 'vm1' }).saved).toBeNull();
  });
});

describe('resume: only where the saved CPU features exist (F11)', () => {
  it('a suspended VM whose host lacks a feature it was powered on with is refused resume, naming it', () => {
    const view = suspendedWeb();
    view.hosts.h1!.spec = { ...view.hosts.h1!.spec, cpu: { ...view.hosts.h1!.spec.cpu, features: view.hosts.h1!.spec.cpu.features.filter((f) => f !== 'avx2') } };
    expect(() => vmDecider.decide({ type: 'PowerVm', vmId: 'vm1', action: 'resume' }, view))
      .toThrow(expect.objectContaining({ code: 'conflict', details: expect.objectContaining({ rule: 'imc.baseline', beyond: ['avx2'] }) }));
    expect(vmDecider.decide({ type: 'PowerVm', vmId: 'vm1', action: 'resume' }, suspendedWeb())).toHaveLength(1);
  });
});

describe('VmCreationRequested v1 -> v2 (upcaster)', () => {
  const up = EVENT_UPCASTERS.find((u) => u.type === 'VmCreationRequested' && u.fromVersion === 1)!;
  it('a v1 request gets the BIOS the VM had (derived from its id and name) and no saved state; v2 data is kept', () => {
    const spec = withDisks('old');
    expect(up.up({ vmId: 'vm9', spec })).toEqual({ vmId: 'vm9', spec, bios: defaultVmBios('vm9', 'old'), saved: null });
    const bios = { firmware: 'efi', uuid: '01234567-89ab-cdef-0123-456789abcdef', bootOrder: ['network', 'disk'] };
    expect(up.up({ vmId: 'vm9', spec, bios, saved: null })).toEqual({ vmId: 'vm9', spec, bios, saved: null });
  });
});

describe('a virtsim-vm/1 file (exports before import kept the VM)', () => {
  /** what the v1 export wrote (apps/vrm/src/encapsulation.ts vmConfig before C3 import kept the VM) */
  const v1 = (s: VmSpec, vmId: string, state: string) => ({
    format: 'virtsim-vm/1', name: s.name, guestOs: s.guestOs, toolsInstalled: s.toolsInstalled,
    hardware: { vcpus: s.vcpus, memoryMiB: s.memoryMiB, disks: s.disks, nics: s.nics, floppies: s.floppies, gpus: s.gpus, numa: null, hugePages: s.hugePages },
    bios: { firmware: 'bios', uuid: defaultVmBios(vmId, s.name).uuid, bootOrder: ['disk', 'cdrom', 'network'] },
    cpu: { shares: s.cpuShares, reservationMhz: s.cpuReservationMhz, limitMhz: null, features: state === 'suspended' ? ['sse4_2'] : null, state: state === 'suspended' ? 'saved' : 'none', runtime: { whatever: 1 } },
    memory: { reservationMiB: s.memoryReservationMiB, state: 'none', runtime: null },
    ha: null, workload: null, exportedFrom: { vmId, clusterId: 'c9', state },
  });

  it('comes back with its id, spec and BIOS, stopped (v1 held no saved state), disks with content descriptors', () => {
    const spec = withDisks('old-web', { cpuShares: 3000 });
    const file = VmFile.parse(liftVmFileV1(v1(spec, 'vm12', 'suspended')));
    const { clusterId: _c, powerOn: _p, ...hardware } = spec;
    expect(file).toMatchObject({ vmId: 'vm12', state: 'stopped', saved: null, bios: defaultVmBios('vm12', 'old-web'), spec: hardware });
    expect(file.disks.map((d) => d.contentId)).toEqual([diskContentId(file.bios.uuid, 0), diskContentId(file.bios.uuid, 1)]);
    expect(planVmImport(elsewhere(), file, { clusterId: 'c1', issued: none, newVmId: 'vm1' })).toMatchObject({ vmId: 'vm12', bios: file.bios, saved: null });
  });

  it('a v1 file that lacks a field is refused naming it', () => {
    const broken: Record<string, unknown> = v1(withDisks('x'), 'vm1', 'stopped');
    delete (broken.hardware as Record<string, unknown>).vcpus;
    const r = VmFile.safeParse(liftVmFileV1(broken));
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain('spec.vcpus');
  });
});
