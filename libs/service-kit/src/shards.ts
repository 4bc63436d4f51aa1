// Sharding by cluster, the pure part (no I/O): which replica should hold which share, which cluster an event or a
// request belongs to, and which events a replica folds. The leases (shard-leases.ts) and the routing of requests
// (shard-router.ts) are the shell around it.
import { createHash } from 'node:crypto';
import { shareOf, type RecordedEvent } from '@virtsim/contracts';

const weight = (replica: string, share: number): number => createHash('sha256').update(`${replica}#${share}`).digest().readUInt32BE(0);

/** Who should hold each share, given the live replicas: balanced (no replica more than ceil(shares / replicas)),
 *  and stable, each share going to the replica that ranks it highest (rendezvous hashing) while that one has room,
 *  so a replica that joins or leaves moves few shares. The same answer in every replica that sees the same set. */
export function assignShares(shares: number, replicas: readonly string[]): Map<number, string> {
  const live = [...new Set(replicas)].sort();
  const owners = new Map<number, string>();
  if (live.length === 0) return owners;
  const room = Math.ceil(shares / live.length);
  const load = new Map(live.map((r) => [r, 0]));
  for (let s = 0; s < shares; s++) {
    const ranked = live.map((r) => ({ r, w: weight(r, s) })).sort((a, b) => b.w - a.w || (a.r < b.r ? -1 : 1));
    const owner = ranked.find(({ r }) => load.get(r)! < room)!.r;
    owners.set(s, owner);
    load.set(owner, load.get(owner)! + 1);
  }
  return owners;
}

/** the shares `replica` should hold */
export const sharesOf = (shares: number, replicas: readonly string[], replica: string): number[] =>
  [...assignShares(shares, replicas)].filter(([, r]) => r === replica).map(([s]) => s);

const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** What cluster each VM, host and stream belongs to, learned from the log in order: an event that names its
 *  cluster (clusterId, or a VM spec's) teaches its VM, host and stream; one that does not belongs to the cluster
 *  of its VM, else its host(s), else its stream; none of them: no one cluster (the clock, tasks, the service's
 *  step refusals). Every replica learns from every event, so all of them route a request alike. */
export class ClusterIndex {
  private readonly vms = new Map<string, string>();
  private readonly hosts = new Map<string, string>();
  private readonly streams = new Map<string, string>();

  observe(e: RecordedEvent): string | null {
    const d = (e.data ?? {}) as Record<string, unknown>;
    const named = text(d.clusterId) ?? text((d.spec as Record<string, unknown> | undefined)?.clusterId);
    const vmId = text(d.vmId);
    const hostId = text(d.hostId) ?? (Array.isArray(d.hostIds) ? text(d.hostIds[0]) : null);
    if (named) {
      if (vmId) this.vms.set(vmId, named);
      if (hostId) this.hosts.set(hostId, named);
      if (!this.streams.has(e.streamId)) this.streams.set(e.streamId, named);
      return named;
    }
    return (vmId && this.vms.get(vmId)) || (hostId && this.hosts.get(hostId)) || this.streams.get(e.streamId) || null;
  }

  /** the cluster a request is about: its clusterId, else its VM's, else its host's; null when it names none known */
  clusterOf(req: { clusterId?: unknown; vmId?: unknown; hostId?: unknown }): string | null {
    return text(req.clusterId) ?? this.vms.get(text(req.vmId) ?? '') ?? this.hosts.get(text(req.hostId) ?? '') ?? null;
  }

  /** the request names a VM or host this index has not seen (yet) */
  unknown(req: { clusterId?: unknown; vmId?: unknown; hostId?: unknown }): boolean {
    return !text(req.clusterId) && (text(req.vmId) !== null || text(req.hostId) !== null) && this.clusterOf(req) === null;
  }
}

/** The events one replica folds: those of the clusters in the shares it holds, and those of no one cluster. */
export class ShardScope {
  readonly index = new ClusterIndex();
  private readonly shareByCluster = new Map<string, number>();

  constructor(readonly shares: number, readonly owned: ReadonlySet<number>) {}

  shareOf(clusterId: string): number {
    let s = this.shareByCluster.get(clusterId);
    if (s === undefined) this.shareByCluster.set(clusterId, (s = shareOf(clusterId, this.shares)));
    return s;
  }

  /** learns from the event; true when this replica folds it */
  admits(e: RecordedEvent): boolean {
    const cluster = this.index.observe(e);
    return cluster === null || this.owned.has(this.shareOf(cluster));
  }

  /** the same shares, an empty index: to fold the log again from its start */
  fresh(owned: ReadonlySet<number> = this.owned): ShardScope {
    return new ShardScope(this.shares, owned);
  }
}
