// io-backend booted over PostgreSQL on NATS and in-process: saga attach / release, passthrough exclusivity,
// the PV-driver power-on check, Tools, migration / HA queries, and ticks that reconcile power and host changes
// then publish I/O figures. The log is seeded with the inventory and placement events the vrm and scheduler
// would have written; the clock is advanced the way the vrm does it (ClockAdvanced on `clock`, then the tick).
import { HostSpec, VirtsimError, VmSpec, type EventOf, type RecordedEvent } from '@virtsim/contracts';
import { bootService, loadConfig, Runtime, type RunningService } from '@virtsim/service-kit';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { ioBackendDefinition } from './service.js';
import type { IoBackendState } from './state.js';

const CLUSTER = 'c1';
const host = (name: string, pciDevices: HostSpec['pciDevices'] = []): HostSpec => HostSpec.parse({
  name, memoryMiB: 524288, numaNodes: 2, pciDevices,
  cpu: { sockets: 2, coresPerSocket: 16, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'vt-d'] },
  hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' },
});
const T4 = { kind: 'gpu' as const, model: 'Tesla T4', vgpuProfiles: ['grid-1q', 'grid-2q', 'grid-4q', 'grid-8q'] };
const VF = { kind: 'nic' as const, model: 'Intel X710 VF' };
const HOSTS: Record<string, HostSpec> = {
  h1: host('h1', [T4]),
  h2: host('h2', [T4]),
  h3: host('h3'),
  h4: host('h4', [VF, VF]),
};
const linux = { family: 'linux', distro: 'ubuntu', version: '22.04' };
const windows = { family: 'windows', version: '2019' };
const vmSpec = (name: string, o: Record<string, unknown>): VmSpec => VmSpec.parse({ name, clusterId: CLUSTER, vcpus: 2, memoryMiB: 4096, guestOs: linux, ...o });

/** the same workload for the three I/O paths of the scenario: 100,000 IOPS of 8 KiB */
const WORKLOAD = { iops: 100_000, ioSizeKiB: 8, readRatio: 0.7 };
const VMS: Record<string, { host: string; spec: VmSpec }> = {
  'lnx-1': { host: 'h3', spec: vmSpec('lnx-1', { disks: [{ sizeGiB: 20, bus: 'virtio' }, { sizeGiB: 20, bus: 'sata' }, { sizeGiB: 20, bus: 'scsi' }], nics: [{ model: 'virtio' }] }) },
  'gpu-1': { host: 'h1', spec: vmSpec('gpu-1', { disks: [{ sizeGiB: 20, bus: 'virtio' }], gpus: [{ mode: 'passthrough' }] }) },
  'gpu-2': { host: 'h1', spec: vmSpec('gpu-2', { disks: [{ sizeGiB: 20, bus: 'virtio' }], gpus: [{ mode: 'passthrough' }] }) },
  'win-virtio': { host: 'h3', spec: vmSpec('win-virtio', { guestOs: windows, disks: [{ sizeGiB: 40, bus: 'virtio' }] }) },
  'win-nic': { host: 'h3', spec: vmSpec('win-nic', { guestOs: windows, disks: [{ sizeGiB: 40, bus: 'ide' }], nics: [{ model: 'virtio' }] }) },
  // the scenario: emulated (IDE disk), virtio (virtio disk), passthrough (SR-IOV VF) on one host whose Dom0 a
  // neighbour with 8 saturated virtio NICs keeps busy
  emu: { host: 'h4', spec: vmSpec('emu', { disks: [{ sizeGiB: 20, bus: 'ide' }], workload: WORKLOAD }) },
  pv: { host: 'h4', spec: vmSpec('pv', { disks: [{ sizeGiB: 20, bus: 'virtio' }], workload: WORKLOAD }) },
  pt: { host: 'h4', spec: vmSpec('pt', { nics: [{ model: 'sriov' }], workload: WORKLOAD }) },
  storm: { host: 'h4', spec: vmSpec('storm', { nics: Array.from({ length: 8 }, () => ({ model: 'virtio' })), workload: { iops: 8_000_000, ioSizeKiB: 1, readRatio: 0.5 } }) },
};

describe.each(['nats', 'in-process'] as const)('io-backend over %s', (transport) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let rt: Runtime;
  let svc: RunningService<IoBackendState>;
  const clock = { tick: 0, simTime: 0 };

  const ask = (pattern: string, data: unknown) => svc.ctx.request<any>(pattern, data, 20000);
  const fails = (pattern: string, data: unknown) => ask(pattern, data).then(() => { throw new Error(`${pattern} answered`); }, (e) => VirtsimError.from(e));
  const ioLog = () => rt.store.readStream(`io-${CLUSTER}`);
  const append = (streamId: string, events: EventOf[]) => rt.store.append({ streamId, expectedVersion: 'any', events }, { simTime: clock.simTime });
  const attach = (vmId: string) => ask('io-backend.attach-devices', { vmId, idempotencyKey: `${vmId}:attach-devices`, correlationId: `create-${vmId}` });
  const power = (vmId: string, hops: [string, string][]) => append(`vm-${vmId}`, hops.map(([from, to]) => ({
    type: 'VmStateChanged', data: { vmId, clusterId: CLUSTER, hostId: VMS[vmId].host, from, to, reason: 'test' },
  })));
  const start = (vmId: string) => power(vmId, [['stopped', 'starting'], ['starting', 'running']]);

  async function tick(): Promise<{ answer: any; appended: RecordedEvent[] }> {
    const before = (await ioLog()).length;
    clock.tick++;
    clock.simTime += 10;
    await append('clock', [{ type: 'ClockAdvanced', data: { tick: clock.tick, simTime: clock.simTime, tickSeconds: 10 } }]);
    const answer = await ask('io-backend.tick', { tick: clock.tick, simTime: clock.simTime, tickSeconds: 10, correlationId: `tick-${clock.tick}` });
    return { answer, appended: (await ioLog()).slice(before) };
  }

  beforeAll(async () => {
    db = await createTestDatabase(`io_${transport}`);
    const env = { DATABASE_URL: db.url, VIRTSIM_SUBJECT_PREFIX: uniqueName('io'), LOG_LEVEL: 'silent', ...(transport === 'nats' ? { NATS_URL: natsUrl() } : {}) };
    rt = await Runtime.create(loadConfig(env));
    await append(`cluster-${CLUSTER}`, [
      { type: 'ClusterCreated', data: { clusterId: CLUSTER, spec: { name: CLUSTER, cpuOvercommitRatio: 4, memoryOvercommit: false, memoryOvercommitRatio: 1.5, seed: 7 } } },
      ...Object.entries(HOSTS).map(([hostId, spec]) => ({ type: 'HostAdded', data: { hostId, clusterId: CLUSTER, spec } })),
    ]);
    for (const [vmId, { host: hostId, spec }] of Object.entries(VMS)) {
      await append(`vm-${vmId}`, [
        { type: 'VmCreationRequested', data: { vmId, spec } },
      ]);
      await append(`placement-${CLUSTER}`, [{ type: 'VmPlaced', data: { vmId, clusterId: CLUSTER, hostId, numa: { nodes: [0], memoryMiBPerNode: [4096], vcpusPerNode: [2] }, brokenShouldRules: [], reason: 'test' } }]);
    }
    svc = await bootService(rt, ioBackendDefinition);
  });
  afterAll(async () => {
    await svc.stop();
    await rt.close();
    await db.drop();
  });

  test('attach: a Linux VM with virtio + sata + scsi disks sees /dev/vda, /dev/sda, /dev/sdb; a repeat answers the first outcome', async () => {
    const first = await attach('lnx-1');
    expect(first).toMatchObject({ vmId: 'lnx-1', hostId: 'h3', domId: 1, events: 1 });
    expect(first.devices.map((d: { guestName: string }) => d.guestName)).toEqual(['/dev/vda', '/dev/sda', '/dev/sdb', 'eth0']);
    expect(first.devices.map((d: { mode: string }) => d.mode)).toEqual(['virtio', 'emulated', 'emulated', 'virtio']);
    const log = await ioLog();
    expect(log.map((e) => e.type)).toEqual(['IoDevicesAttached']);
    expect(log[0].metadata).toMatchObject({ simTime: 0, correlationId: 'create-lnx-1', idempotencyKey: 'lnx-1:attach-devices', actor: 'io-backend' });

    const again = await attach('lnx-1');
    expect(again).toMatchObject({ vmId: 'lnx-1', hostId: 'h3', devices: first.devices, repeated: true, events: 0 });
    expect(await ioLog()).toHaveLength(1);

    const view = await ask('io-backend.vm', { vmId: 'lnx-1' });
    expect(view.devices.map((d: { guestName: string; deviceClass: string }) => `${d.guestName}:${d.deviceClass}`)).toEqual(['/dev/vda:vbd', '/dev/sda:vbd', '/dev/sdb:vbd', 'eth0:vif']);
    expect(view.xenstore.entries[0]).toMatchObject({ path: '/local/domain/1/device/vbd/64512', side: 'frontend', state: 'Initialising', peer: '/local/domain/0/backend/vbd/1/64512' });
    expect(view.xenstore.entries[1]).toMatchObject({ side: 'backend', state: 'InitWait', stateValue: 2 });
  });

  test('passthrough GPU is exclusive: the second VM is refused 422 naming Tesla T4; live migration blocked; equivalents; release gives it back', async () => {
    expect((await attach('gpu-1')).devices[1]).toMatchObject({ guestName: '/dev/dri/card0', mode: 'passthrough', hostModel: 'Tesla T4' });
    const refused = await fails('io-backend.attach-devices', { vmId: 'gpu-2', idempotencyKey: 'gpu-2:attach-devices' });
    expect(refused).toMatchObject({ code: 'unprocessable', details: { rule: 'io.passthroughUnavailable' } });
    expect(refused.message).toMatch(/no free passthrough gpu on host h1 .*Tesla T4 \[0000:01:00.0 in use\]/);

    const h1 = await ask('io-backend.host', { hostId: 'h1' });
    expect(h1.pciDevices).toEqual([expect.objectContaining({ model: 'Tesla T4', address: '0000:01:00.0', state: 'assigned', assignedTo: 'gpu-1' })]);
    expect(h1.assignableSlots).toEqual({ total: 8, used: 1, free: 7 });
    expect(h1.freeVgpuProfiles).toEqual([]);
    expect((await ask('io-backend.host', { hostId: 'h2' })).freeVgpuProfiles.map((p: { profile: string }) => p.profile)).toEqual(['grid-1q', 'grid-2q', 'grid-4q', 'grid-8q']);

    expect(await ask('io-backend.can-migrate', { vmId: 'gpu-1' })).toEqual({ ok: false, blockingDevices: [{ deviceId: 'gpu-0', guestName: '/dev/dri/card0', mode: 'passthrough', hostModel: 'Tesla T4', pciIndex: 0 }] });
    expect(await ask('io-backend.can-migrate', { vmId: 'lnx-1' })).toEqual({ ok: true, blockingDevices: [] });
    expect(await ask('io-backend.equivalent-free', { vmId: 'gpu-1', hostId: 'h2' })).toEqual({ ok: true, missing: [] });
    const none = await ask('io-backend.equivalent-free', { vmId: 'gpu-1', hostId: 'h3' });
    expect(none.ok).toBe(false);
    expect(none.missing[0]).toMatch(/Tesla T4/);

    const released = await ask('io-backend.release-devices', { vmId: 'gpu-1', idempotencyKey: 'gpu-1:release-devices' });
    expect(released).toMatchObject({ vmId: 'gpu-1', detached: true, releasedPci: [0], events: 1 });
    expect(await ask('io-backend.release-devices', { vmId: 'gpu-1', idempotencyKey: 'gpu-1:release-devices' })).toMatchObject({ detached: true, repeated: true, events: 0 });
    expect(await ask('io-backend.release-devices', { vmId: 'gpu-1', idempotencyKey: 'other' })).toMatchObject({ detached: false, events: 0 });
    // the refused step's key answers its refusal from the log though the GPU is free now; a new step gets the GPU
    expect(await fails('io-backend.attach-devices', { vmId: 'gpu-2', idempotencyKey: 'gpu-2:attach-devices' })).toMatchObject({ code: 'unprocessable', message: refused.message });
    expect((await ask('io-backend.attach-devices', { vmId: 'gpu-2', idempotencyKey: 'gpu-2:attach-devices:2' })).devices[1]).toMatchObject({ hostModel: 'Tesla T4' });
    expect((await ioLog()).filter((e) => e.type === 'IoDevicesDetached').map((e) => e.data)).toEqual([{ vmId: 'gpu-1', hostId: 'h1', reason: 'compensation', releasedPci: [0] }]);
  });

  test('power-on check: Windows + virtio disk + no Tools is a 409 io.virtioDriverMissing (no events); a virtio NIC only warns; Tools fix it', async () => {
    await attach('win-virtio');
    await attach('win-nic');
    const count = (await ioLog()).length;
    const err = await fails('io-backend.check-power-on', { vmId: 'win-virtio', hostId: 'h3' });
    expect(err).toMatchObject({ code: 'conflict', details: { rule: 'io.virtioDriverMissing', vmId: 'win-virtio' } });
    expect(err.message).toMatch(/Disk 0/);
    const nic = await ask('io-backend.check-power-on', { vmId: 'win-nic', hostId: 'h3' });
    expect(nic).toEqual({ ok: true, warnings: [expect.stringMatching(/^virtio NIC Ethernet has no driver: the guest boots without network/)] });
    expect(await ask('io-backend.check-power-on', { vmId: 'lnx-1', hostId: 'h3' })).toEqual({ ok: true, warnings: [] });
    expect(await ioLog()).toHaveLength(count);

    expect(await ask('io-backend.install-tools', { vmId: 'win-virtio', correlationId: 'tools-1' })).toMatchObject({ vmId: 'win-virtio', toolsInstalled: true, events: 1 });
    expect((await ioLog()).at(-1)).toMatchObject({ type: 'IoGuestToolsInstalled', metadata: { correlationId: 'tools-1' } });
    expect(await ask('io-backend.check-power-on', { vmId: 'win-virtio', hostId: 'h3' })).toEqual({ ok: true, warnings: [] });
    expect(await ask('io-backend.install-tools', { vmId: 'win-virtio' })).toMatchObject({ alreadyInstalled: true, events: 0 });
  });

  test('bad payloads and unknown VMs are refused', async () => {
    expect(await fails('io-backend.attach-devices', { vmId: '', extra: 1 })).toMatchObject({ code: 'invalid' });
    expect(await fails('io-backend.vm', { vmId: 'nobody' })).toMatchObject({ code: 'not-found' });
    expect(await fails('io-backend.host', { hostId: 'nowhere' })).toMatchObject({ code: 'not-found' });
    expect(await fails('io-backend.tick', { tick: 1 })).toMatchObject({ code: 'invalid' });
  });

  test('scenario: same workload on emulated (IDE), virtio and passthrough (SR-IOV VF) under a busy Dom0: exits/request emulated > virtio > passthrough, throughput the reverse', async () => {
    for (const vmId of ['emu', 'pv', 'pt', 'storm']) await attach(vmId);
    for (const vmId of ['emu', 'pv', 'pt', 'storm']) await power(vmId, [['creating', 'stopped']]);
    for (const vmId of ['emu', 'pv', 'pt', 'storm']) await start(vmId);
    const { answer, appended } = await tick();
    expect(answer).toMatchObject({ discovered: 4, closed: 0, moved: 0, detached: 0, skipped: [] });
    expect(appended.filter((e) => e.type === 'IoDevicesDiscovered').map((e) => (e.data as { vmId: string }).vmId)).toEqual(['emu', 'pt', 'pv', 'storm']);
    const stats = appended.filter((e) => e.type === 'IoStatsChanged');
    expect(stats.map((e) => (e.data as { hostId: string }).hostId)).toEqual(['h4']);
    expect(answer.events).toBe(appended.length);
    // one append: consecutive positions, tick metadata
    expect(appended.map((e) => e.position)).toEqual(appended.map((_, i) => appended[0].position + i));
    for (const e of appended) expect(e.metadata).toMatchObject({ simTime: clock.simTime, tick: clock.tick, correlationId: `tick-${clock.tick}` });

    const [emu, pv, pt] = await Promise.all(['emu', 'pv', 'pt'].map((vmId) => ask('io-backend.vm', { vmId })));
    expect(emu.devices[0]).toMatchObject({ guestName: '/dev/hda', mode: 'emulated', frontend: 'Connected', backend: 'Connected' });
    expect(pv.devices[0]).toMatchObject({ guestName: '/dev/vda', mode: 'virtio', frontend: 'Connected' });
    expect(pt.devices[0]).toMatchObject({ guestName: 'eth0', mode: 'passthrough', deviceClass: 'pci', pci: { address: '0000:01:00.0', hostModel: 'Intel X710 VF' } });
    expect(emu.figures.exitsPerRequest).toBeGreaterThan(pv.figures.exitsPerRequest);
    expect(pv.figures.exitsPerRequest).toBeGreaterThan(pt.figures.exitsPerRequest);
    expect(pt.figures.exitsPerRequest).toBe(0);
    expect(emu.figures.throughputMiBps).toBeLessThan(pv.figures.throughputMiBps);
    expect(pv.figures.throughputMiBps).toBeLessThan(pt.figures.throughputMiBps);
    expect(pt.figures.throughputMiBps).toBeCloseTo((WORKLOAD.iops * WORKLOAD.ioSizeKiB) / 1024, 0);
    expect(emu.figures.latencyUs).toBeGreaterThan(pv.figures.latencyUs);
    expect(pt.figures.dom0CpuMhz).toBe(0);
    const h4 = await ask('io-backend.host', { hostId: 'h4' });
    expect(h4.dom0.contentionFactor).toBeLessThan(1);
    expect(h4.dom0).toMatchObject({ dom0BudgetMhz: 10_400, dom0CpuMhz: expect.closeTo(10_400, -1), asOf: clock.simTime });
    expect(h4.pciDevices.map((p: { state: string; assignedTo: string | null }) => [p.state, p.assignedTo])).toEqual([['assigned', 'pt'], ['free', null]]);
    expect(h4.vms).toEqual({ attached: 4, running: 4 });

    // the same tick again (a vrm retry) is a no-op; with a steady workload the next tick publishes nothing
    expect(await ask('io-backend.tick', { tick: clock.tick, simTime: clock.simTime, tickSeconds: 10 })).toMatchObject({ repeated: true, events: 0 });
    expect((await tick()).appended).toEqual([]);
  });

  test('ticks reconcile the inventory: power-off closes, a relocation moves, a delete detaches', async () => {
    await power('storm', [['running', 'stopping'], ['stopping', 'stopped']]);
    const off = await tick();
    expect(off.answer).toMatchObject({ closed: 1, discovered: 0 });
    expect(off.appended.map((e) => e.type)).toEqual(['IoDevicesClosed', 'IoStatsChanged']);
    const zeros = (off.appended[1].data as { vms: { vmId: string; iops: number }[] }).vms.find((v) => v.vmId === 'storm');
    expect(zeros).toMatchObject({ iops: 0 });
    expect((await ask('io-backend.vm', { vmId: 'storm' })).xenstore.entries[0].state).toBe('Closed');
    // Dom0 is free again: the virtio disk now gets its whole demand
    expect((await ask('io-backend.vm', { vmId: 'pv' })).figures.iops).toBeCloseTo(WORKLOAD.iops, 0);

    await append(`placement-${CLUSTER}`, [{ type: 'VmRelocated', data: { vmId: 'storm', clusterId: CLUSTER, fromHostId: 'h4', toHostId: 'h3', numa: { nodes: [0], memoryMiBPerNode: [4096], vcpusPerNode: [2] }, reason: 'cold-migration' } }]);
    const moved = await tick();
    expect(moved.answer).toMatchObject({ moved: 1 });
    expect(moved.appended.map((e) => e.type)).toEqual(['IoDevicesMoved']);
    expect(moved.appended[0].data).toMatchObject({ vmId: 'storm', fromHostId: 'h4', toHostId: 'h3', reason: 'cold-migration' });
    expect(await ask('io-backend.vm', { vmId: 'storm' })).toMatchObject({ hostId: 'h3', powered: false });

    await append('vm-lnx-1', [{ type: 'VmDeleted', data: { vmId: 'lnx-1', clusterId: CLUSTER, hostId: 'h3' } }]);
    const deleted = await tick();
    expect(deleted.appended.map((e) => [e.type, (e.data as { vmId: string }).vmId])).toEqual([['IoDevicesDetached', 'lnx-1']]);
    expect(await fails('io-backend.vm', { vmId: 'lnx-1' })).toMatchObject({ code: 'not-found' });
    expect((await tick()).appended).toEqual([]);
  });

  test('a Windows guest powered on without its virtio disk driver is left alone by the tick and reported', async () => {
    // win-virtio got Tools above; win-nic boots with its virtio NIC unbound (no network)
    await power('win-nic', [['creating', 'stopped'], ['stopped', 'starting'], ['starting', 'running']]);
    const { answer } = await tick();
    expect(answer).toMatchObject({ discovered: 1, skipped: [] });
    const view = await ask('io-backend.vm', { vmId: 'win-nic' });
    expect(view.devices.map((d: { guestName: string; frontend: string }) => [d.guestName, d.frontend])).toEqual([['Disk 0', 'Connected'], ['Ethernet', 'Initialising']]);
    expect(view.warnings).toEqual([expect.stringMatching(/^Ethernet \(virtio\) has no driver/)]);
    // Tools bring the driver: the waiting front-end connects at once
    await ask('io-backend.install-tools', { vmId: 'win-nic' });
    expect((await ask('io-backend.vm', { vmId: 'win-nic' })).devices[1].frontend).toBe('Connected');
  });

  test('attach-devices-many: one append, each VM sees the earlier ones (domain ids), a repeat key answers the first outcome', async () => {
    for (const vmId of ['bat-1', 'bat-2']) {
      await append(`vm-${vmId}`, [{ type: 'VmCreationRequested', data: { vmId, spec: vmSpec(vmId, { disks: [{ sizeGiB: 20, bus: 'virtio' }], workload: WORKLOAD }) } }]);
      await append(`placement-${CLUSTER}`, [{ type: 'VmPlaced', data: { vmId, clusterId: CLUSTER, hostId: 'h3', numa: { nodes: [0], memoryMiBPerNode: [4096], vcpusPerNode: [2] }, brokenShouldRules: [], reason: 'test' } }]);
    }
    const before = (await ioLog()).length;
    const items = ['bat-1', 'bat-2', 'bat-1'].map((vmId) => ({ vmId, idempotencyKey: `${vmId}:attach-devices` }));
    const r = await ask('io-backend.attach-devices-many', { items: [...items, { vmId: 'nobody' }] });
    const [a, b, again, missing] = r.outcomes;
    expect(b.value.domId).toBe(a.value.domId + 1);
    expect(again).toMatchObject({ ok: true, value: { domId: a.value.domId, repeated: true, events: 0 } });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const added = (await ioLog()).slice(before);
    expect(added.map((e) => [e.type, (e.data as { vmId: string }).vmId])).toEqual([['IoDevicesAttached', 'bat-1'], ['IoDevicesAttached', 'bat-2']]);
    expect(added[1]!.metadata).toMatchObject({ idempotencyKey: 'bat-2:attach-devices' });
    expect(await attach('bat-2')).toMatchObject({ domId: b.value.domId, repeated: true });
  });

  test('after a restart (state rebuilt from the log) a repeated step answers from the log: the success, and the refusal', async () => {
    const before = (await ioLog()).length;
    await svc.stop();
    svc = await bootService(rt, ioBackendDefinition);
    expect(await attach('lnx-1')).toMatchObject({ vmId: 'lnx-1', hostId: 'h3', domId: 1, repeated: true, events: 0 });
    // gpu-2 holds the GPU now (another key): the answer is the recorded refusal, not a new decision
    const refused = await fails('io-backend.attach-devices', { vmId: 'gpu-2', idempotencyKey: 'gpu-2:attach-devices' });
    expect(refused).toMatchObject({ code: 'unprocessable', details: { rule: 'io.passthroughUnavailable' } });
    expect(refused.message).toMatch(/Tesla T4 \[0000:01:00.0 in use\]/);
    expect(await ask('io-backend.release-devices', { vmId: 'gpu-1', idempotencyKey: 'gpu-1:release-devices' })).toMatchObject({ detached: true, releasedPci: [0], repeated: true });
    expect(await ioLog()).toHaveLength(before);
    expect((await rt.store.readStream('steps-io-backend')).map((e) => e.data)).toEqual([
      expect.objectContaining({ service: 'io-backend', idempotencyKey: 'gpu-2:attach-devices', error: expect.objectContaining({ code: 'unprocessable' }) }),
    ]);
  });

  test('the state rebuilt from the log equals the live one', async () => {
    const verify = await ask('io-backend.verify', {});
    expect(verify).toMatchObject({ equal: true });
  });
});
