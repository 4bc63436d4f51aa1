// A tick's working copy of IoState: the tick decides several commands in a row (detach, close, move, discover,
// then the sample), each on the state left by the previous ones, without touching the live projection.
// Copy-on-write: the hosts / bucket records are copied once, then a host or a VM bucket the first time an
// event touches it, and the event is applied with the in-place evolve. O(changes), not O(VMs) per event.
import type { IoEvent } from '@virtsim/contracts';
import { io } from '@virtsim/domain';

export class ScratchIo {
  readonly state: io.IoState;
  private readonly buckets = new Set<string>();
  private readonly hosts = new Set<string>();

  constructor(live: io.IoState) {
    this.state = { hosts: { ...live.hosts }, vmBuckets: { ...live.vmBuckets } };
  }

  apply(e: IoEvent): void {
    const d = e.data as { vmId?: string; hostId?: string; fromHostId?: string; toHostId?: string };
    if (d.vmId !== undefined) this.ownBucket(io.vmBucket(d.vmId));
    for (const hostId of [d.hostId, d.fromHostId, d.toHostId]) if (hostId !== undefined) this.ownHost(hostId);
    io.evolveIoInPlace(this.state, e);
  }

  private ownBucket(key: string): void {
    if (this.buckets.has(key)) return;
    this.buckets.add(key);
    const b = this.state.vmBuckets[key];
    if (b) this.state.vmBuckets[key] = { ...b };
  }

  private ownHost(hostId: string): void {
    if (this.hosts.has(hostId)) return;
    this.hosts.add(hostId);
    const h = this.state.hosts[hostId];
    if (h) this.state.hosts[hostId] = { ...h, pci: h.pci.map((p) => ({ ...p })), vmIds: [...h.vmIds], reportedVms: { ...h.reportedVms } };
  }
}
