// Issue 15, "overhead charged, not only shown": the README's worked example, produced by the real tick.
// The same workload on an emulated-I/O host and on a virtio host: the host's CPU demand, the VMs' ready % and
// the DRS priority each produces. Run it to print the table:
//   NODE_OPTIONS=--experimental-vm-modules npx jest apps/scheduler/src/overhead-charge.unit.spec.ts
import { ClusterSpec, HostSpec, VmSpec, type CpuSchedulingSampledData, type RecordedEvent } from '@virtsim/contracts';
import { cpu, placement, workloadAt } from '@virtsim/domain';
import { evolveScheduler, initialSchedulerState, type SchedulerState } from './state.js';
import { planTick } from './tick.js';

let position = 0;
const IOPS = Number(process.env.IOPS ?? 20000);
const rec = (type: string, data: unknown): RecordedEvent => ({ position: ++position, streamId: 's', streamVersion: position, eventId: '', type, schemaVersion: 1, data, metadata: {}, recordedAt: '' });

/** 1 socket x 4 cores x 2,000 MHz = 8,000 MHz, KVM, VT-x + EPT. */
const hostSpec = (name: string) => HostSpec.parse({
  name, memoryMiB: 65536, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' },
  cpu: { sockets: 1, coresPerSocket: 4, threadsPerCore: 1, mhz: 2000, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept'] },
});

/** Two hosts; h1 runs four 2-vCPU Linux VMs (3,000 MHz, 20,000 IOPS of 4 KiB on one disk of `bus`), h2 one of them. */
export function example(bus: 'ide' | 'virtio'): SchedulerState {
  const events: RecordedEvent[] = [rec('ClusterCreated', { clusterId: 'c1', spec: ClusterSpec.parse({ name: 'c1', drs: { enabled: true, automation: 'manual', threshold: 3 } }) })];
  for (const h of ['h1', 'h2']) events.push(rec('HostAdded', { hostId: h, clusterId: 'c1', spec: hostSpec(h) }));
  for (let i = 1; i <= 6; i++) {
    const vmId = `vm${i}`;
    const hostId = i <= 4 ? 'h1' : 'h2';
    const spec = VmSpec.parse({
      name: vmId, clusterId: 'c1', vcpus: 1, memoryMiB: 4096, guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' },
      disks: [{ sizeGiB: 40, bus }], workload: { cpuDemandMhz: 900, iops: IOPS, ioSizeKiB: 4, activeMemoryMiB: 1024 },
    });
    events.push(rec('VmCreationRequested', { vmId, spec }));
    events.push(rec('VmPlaced', { vmId, clusterId: 'c1', hostId, numa: { nodes: [0], vcpusPerNode: [1], memoryMiBPerNode: [4096] }, brokenShouldRules: [], reason: 'seed' }));
    events.push(rec('VmStateChanged', { vmId, clusterId: 'c1', hostId, from: 'starting', to: 'running', reason: 'seed' }));
  }
  const state = initialSchedulerState();
  for (const e of events) evolveScheduler(state, e);
  return state;
}

function run(bus: 'ide' | 'virtio') {
  const state = example(bus);
  const plan = planTick(state, { tick: 30, simTime: 300, tickSeconds: 10 });
  const h1 = plan.appends.get('cpu-c1')!.map((e) => e.data as CpuSchedulingSampledData).find((s) => s.hostId === 'h1')!;
  const drs = (plan.appends.get('placement-c1') ?? []).filter((e) => e.type === 'DrsRecommendationMade')
    .map((e) => e.data as { vmId: string; toHostId: string; rationale: { priority: number; imbalanceBefore: number } });
  // the priority of the cluster's imbalance as DRS sees it (also when no move is recommended)
  const vm1 = state.placement.vms.vm1!;
  const charged = cpu.vmChargedDemand({
    vmId: 'vm1', spec: vm1.spec, host: state.placement.hosts.h1!.spec, sample: workloadAt(vm1.spec.workload, 'vm1', 1, 300), numaFactor: 1, memorySlowdown: 1,
  });
  const loadOf = (h: string) => state.placement.hosts[h]!.alloc.vmCount * (charged.demandMhz + charged.dom0Mhz) / state.placement.hosts[h]!.mhz;
  const imbalance = placement.standardDeviation([loadOf('h1'), loadOf('h2')]);
  return { h1, drs, charged, imbalance, priority: placement.balancePriority(imbalance, 2) };
}

const row = (bus: string, r: ReturnType<typeof run>) => `| ${bus} | ${r.charged.workloadMhz} + ${r.charged.cpuModeMhz} + ${r.charged.translationMhz} + ${r.charged.ioExitMhz} = ${r.charged.demandMhz} | ${r.charged.dom0Mhz} `
  + `| ${r.h1.demandMhz} / ${r.h1.capacityMhz} | ${r.h1.vms[0]!.readyPercent} | ${r.imbalance.toFixed(3)} -> ${r.priority} | ${r.drs.map((d) => `${d.vmId} -> ${d.toHostId}`).join(', ') || 'none'} |`;

describe('worked example: emulated I/O vs virtio (issue 15)', () => {
  const ide = run('ide');
  const virtio = run('virtio');

  it('prints the README table', () => {
    process.stdout.write([
      '| disk | VM demand MHz: workload + CPU mode + EPT + I/O exits | Dom0 MHz per VM | h1 demand / capacity MHz | ready % | DRS imbalance -> priority | DRS moves (threshold 3) |',
      '|---|---|---|---|---|---|---|', row('ide (emulated)', ide), row('virtio', virtio), '',
    ].join('\n'));
  });

  it('emulated I/O: each VM demands 216 MHz of VM exits more, Dom0 serves 960 MHz per VM, 3,520 MHz of it beyond its 160 MHz reservation', () => {
    // 20,000 IOPS x (8 IDE register accesses + 1 completion) exits x 1,200 cycles = 216 MHz on the VM's vCPU
    expect(ide.charged.ioExitMhz).toBe(216);
    // 20,000 IOPS x 8 accesses x 6,000 QEMU cycles = 960 MHz in Dom0; 4 VMs = 3,840, the reservation (2 % of 8,000) is 160
    expect(ide.charged.dom0Mhz).toBe(960);
    expect(ide.h1.capacityMhz).toBe(7840 - (3840 - 160));
    expect(ide.h1.demandMhz).toBe(4 * ide.charged.demandMhz);
  });

  it('the emulated host has more CPU demand, ready time, and a DRS priority (2) that the virtio host (4) does not have', () => {
    expect(ide.h1.demandMhz).toBeGreaterThan(virtio.h1.demandMhz);
    expect(ide.h1.vms[0]!.readyPercent).toBeGreaterThan(0);
    expect(virtio.h1.vms[0]!.readyPercent).toBe(0);
    expect(ide.priority).toBe(2);
    expect(virtio.priority).toBe(4);
    expect(ide.drs).toEqual([expect.objectContaining({ vmId: 'vm1', toHostId: 'h2', rationale: expect.objectContaining({ priority: 2 }) })]);
    expect(virtio.drs).toEqual([]);
  });
});

describe('Tools installed on a running VM (issue 16 item 3) start the charge of its virtio NIC', () => {
  it('a Windows VM with a driverless virtio NIC is charged no I/O; after IoGuestToolsInstalled its exits are', () => {
    const state = example('virtio');
    const vm1 = state.placement.vms.vm1!;
    vm1.spec = { ...vm1.spec, guestOs: { family: 'windows', version: '2019' }, toolsInstalled: false, disks: [], nics: [{ model: 'virtio' }] };
    const demand = () => (planTick(state, { tick: 1, simTime: 10, tickSeconds: 10 }).appends.get('cpu-c1')!
      .map((e) => e.data as CpuSchedulingSampledData).find((s) => s.hostId === 'h1')!.vms.find((v) => v.vmId === 'vm1')!.demandMhz);
    const before = demand();
    evolveScheduler(state, rec('IoGuestToolsInstalled', { vmId: 'vm1' }));
    expect(state.placement.vms.vm1!.spec.toolsInstalled).toBe(true);
    // 20,000 IOPS on a virtio NIC: batches of 20,000 x 15 us = 0.3 -> 1, 2 exits per request x 1,200 cycles = 48 MHz
    expect(Math.round((demand() - before) * 10) / 10).toBe(48);
  });
});
