// The full-scale io fixture of the scale test and `npm run bench`: 128 hosts, 8,000 VMs with 2 disks and 1 NIC
// each (a third of the second disks emulated SATA, a fifth of the NICs emulated e1000), attached through the
// service's own command and powered on, the projection folded in place from the seeded log, no database.
import { HostSpec, VmSpec, type EventOf, type RecordedEvent } from '@virtsim/contracts';
import { StepDecisions, StepOutcomes, type Decision, type ServiceContext } from '@virtsim/service-kit';
import { IoBackend } from '../src/commands.js';
import type { TickAnswer } from '../src/tick.js';
import { evolveIoBackend, initialIoBackendState, type IoBackendState } from '../src/state.js';

export const HOSTS = 128;
export const VMS = 8000;

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

export interface ScaleIo {
  /** the service's tick decision at `tick` (simTime = tick x 10 s), against the current state */
  decide(tick: number): Decision<TickAnswer>;
  /** fold a tick's decision into the state, as the projection would */
  apply(d: Decision<TickAnswer>, tick: number): void;
}

export function fullCluster(pattern: 'constant' | 'diurnal'): ScaleIo {
  let position = 0;
  let s = initialIoBackendState();
  const fold = (events: (EventOf & { streamId?: string; metadata?: Record<string, unknown> })[]) => {
    for (const e of events) {
      position++;
      s = evolveIoBackend(s, { position, streamId: e.streamId ?? 'x', streamVersion: position, eventId: `${position}`, type: e.type, schemaVersion: 1, data: e.data, metadata: e.metadata ?? {}, recordedAt: '' } as RecordedEvent);
    }
  };
  fold([
    { type: 'ClusterCreated', data: { clusterId: 'c1', spec: { name: 'c1', seed: 1 } } },
    ...Array.from({ length: HOSTS }, (_, h) => ({ type: 'HostAdded', data: { hostId: `h${h}`, clusterId: 'c1', spec: hostSpec } })),
  ]);
  // the service's command runner, reduced to "decide against the current state" (each step decided afresh: no
  // outcomes recorded yet)
  const outcomes = new StepOutcomes('io-backend');
  const ctx = {
    commands: { run: (f: (st: IoBackendState) => Decision<unknown>) => f(s), expected: () => 0 },
    runSteps: (f: (st: IoBackendState, steps: StepDecisions) => Decision<unknown>) => f(s, new StepDecisions('io-backend', outcomes)),
  };
  const svc = new IoBackend(ctx as unknown as ServiceContext<IoBackendState>);
  const vmId = (i: number) => `vm-${String(i).padStart(5, '0')}`;
  for (let i = 0; i < VMS; i++) {
    fold([{ type: 'VmCreationRequested', data: { vmId: vmId(i), spec: specOf(i, pattern) } }, { type: 'VmPlaced', data: { vmId: vmId(i), clusterId: 'c1', hostId: `h${i % HOSTS}` } }]);
    const d = svc.attach({ vmId: vmId(i) }) as unknown as Decision<unknown>;
    fold(d.appends.flatMap((b) => b.events) as EventOf[]);
  }
  for (let i = 0; i < VMS; i++) fold([{ type: 'VmStateChanged', data: { vmId: vmId(i), to: 'starting' } }, { type: 'VmStateChanged', data: { vmId: vmId(i), to: 'running' } }]);
  return {
    decide: (tick) => svc.tick({ tick, simTime: tick * 10, tickSeconds: 10 }) as unknown as Decision<TickAnswer>,
    apply: (d, tick) => fold(d.appends.flatMap((b) => b.events.map((e) => ({ ...e, streamId: b.streamId, metadata: { tick } }))) as EventOf[]),
  };
}
