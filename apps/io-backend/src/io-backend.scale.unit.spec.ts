// Full-scale tick of the io-backend shell without a database: 128 hosts x 8,000 VMs x 3 devices, the
// projection folded in place from the seeded log, then the tick's decision (reconcile + SampleIo) timed.
import { HostSpec, VmSpec, type EventOf, type RecordedEvent } from '@virtsim/contracts';
import type { Decision, ServiceContext } from '@virtsim/service-kit';
import { IoBackend, type TickAnswer } from './io-backend.service.js';
import { evolveIoBackend, initialIoBackendState, type IoBackendState } from './state.js';

const HOSTS = 128;
const VMS = 8000;

const hostSpec = HostSpec.parse({
  name: 'h', memoryMiB: 1048576, numaNodes: 2,
  cpu: { sockets: 2, coresPerSocket: 32, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'vt-d'] },
  hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' },
});
const specOf = (i: number, pattern: 'constant' | 'diurnal'): VmSpec => VmSpec.parse({
  name: `vm-${i}`, clusterId: 'c1', vcpus: 2, memoryMiB: 4096, guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' },
  disks: [{ sizeGiB: 20, bus: 'virtio' }, { sizeGiB: 20, bus: i % 3 === 0 ? 'sata' : 'virtio' }], nics: [{ model: i % 5 === 0 ? 'e1000' : 'virtio' }],
  workload: { iops: 200 + (i % 17) * 50, ioSizeKiB: 8, readRatio: 0.7, pattern },
});

let position = 0;
function fold(s: IoBackendState, events: (EventOf & { streamId?: string; metadata?: Record<string, unknown> })[]): IoBackendState {
  for (const e of events) {
    position++;
    s = evolveIoBackend(s, { position, streamId: e.streamId ?? 'x', streamVersion: position, eventId: `${position}`, type: e.type, schemaVersion: 1, data: e.data, metadata: e.metadata ?? {}, recordedAt: '' } as RecordedEvent);
  }
  return s;
}

function shell(state: () => IoBackendState): IoBackend {
  const ctx = { commands: { run: (f: (s: IoBackendState) => Decision<TickAnswer>) => f(state()), expected: () => 0 } };
  return new IoBackend(ctx as unknown as ServiceContext<IoBackendState>);
}

/** CPU time, not wall time: the test machine is shared, and CPU time is what the tick costs. */
function decide(svc: IoBackend, tick: number): { ms: number; d: Decision<TickAnswer> } {
  const start = process.cpuUsage();
  const d = svc.tick({ tick, simTime: tick * 10, tickSeconds: 10 }) as unknown as Decision<TickAnswer>;
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, d };
}

const appendAll = (s: IoBackendState, d: Decision<TickAnswer>, tick: number) =>
  fold(s, d.appends.flatMap((b) => b.events.map((e) => ({ ...e, streamId: b.streamId, metadata: { tick } }))) as EventOf[]);

describe.each(['constant', 'diurnal'] as const)('io-backend tick at full scale (%s workloads)', (pattern) => {
  it(`${HOSTS} hosts x ${VMS} VMs x 3 devices`, () => {
    let s = initialIoBackendState();
    const t0 = performance.now();
    s = fold(s, [
      { type: 'ClusterCreated', data: { clusterId: 'c1', spec: { name: 'c1', seed: 1 } } },
      ...Array.from({ length: HOSTS }, (_, h) => ({ type: 'HostAdded', data: { hostId: `h${h}`, clusterId: 'c1', spec: hostSpec } })),
    ]);
    const svc = shell(() => s);
    const attachEvents: EventOf[] = [];
    for (let i = 0; i < VMS; i++) {
      const vmId = `vm-${String(i).padStart(5, '0')}`;
      s = fold(s, [{ type: 'VmCreationRequested', data: { vmId, spec: specOf(i, pattern) } }, { type: 'VmPlaced', data: { vmId, clusterId: 'c1', hostId: `h${i % HOSTS}` } }]);
      const d = (svc.attach({ vmId }) as unknown as Decision<unknown>);
      const events = d.appends.flatMap((b) => b.events) as EventOf[];
      attachEvents.push(...events);
      s = fold(s, events);
    }
    for (let i = 0; i < VMS; i++) {
      const vmId = `vm-${String(i).padStart(5, '0')}`;
      s = fold(s, [{ type: 'VmStateChanged', data: { vmId, to: 'starting' } }, { type: 'VmStateChanged', data: { vmId, to: 'running' } }]);
    }
    const seeded = performance.now() - t0;

    // tick 1: every VM powered on since the last tick -> 8,000 discoveries + the first figures of every host
    const first = decide(svc, 1);
    const tApply = performance.now();
    s = appendAll(s, first.d, 1);
    const applyMs = performance.now() - tApply;
    expect(first.d.result).toMatchObject({ discovered: VMS, statsChanged: HOSTS, skipped: [] });

    // ticks 2..6: steady (constant) or moving (diurnal) figures
    const steady: number[] = [];
    const events: number[] = [];
    for (let t = 2; t <= 6; t++) {
      const r = decide(svc, t * 360); // diurnal: an hour apart, so the sine moves more than 5%
      steady.push(r.ms);
      events.push(r.d.result.events);
      s = appendAll(s, r.d, t * 360);
    }
    if (pattern === 'constant') expect(events).toEqual([0, 0, 0, 0, 0]);
    else expect(events.every((n) => n === HOSTS)).toBe(true);
    const median = [...steady].sort((a, b) => a - b)[2];
    console.log(`[io-backend scale ${pattern}] seed fold+attach ${seeded.toFixed(0)} ms; tick 1 (8,000 discoveries + ${first.d.result.statsChanged} stats) decide ${first.ms.toFixed(1)} ms, in-place apply ${applyMs.toFixed(1)} ms; ticks 2-6 decide ${steady.map((x) => x.toFixed(1)).join(' / ')} ms (median ${median.toFixed(1)}), events ${events.join(',')}`);
    // timing is measured by `npm run bench`, never asserted: a loaded CI machine is no benchmark
    console.log(`timing (io-backend.scale.unit.spec.ts): median = ${median}`);
  });
});
