// Requests to a sharded service (issue 22 item 3) reach the replica that holds the cluster's share, whoever asked:
// every replica takes the service's plain subjects (one queue group, as unsharded), and one that receives a
// request about a cluster of another share hands it on to `<subject>.share-<k>`, which only that share's holder
// answers, and answers with its reply. What the request is about: its clusterId, else its VM's or host's cluster
// (shards.ts, ClusterIndex). A step batch (`-many`) is split by share and its outcomes put back in order. A tick
// concerns every cluster: the replica that receives it ticks its own clusters and hands it on to every other
// share; a replica asked for one tick several times (it holds several shares) runs it once. A request about no
// cluster (state, hash, verify) is answered by the replica that receives it, for its own shares.
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { shareSubject, unprocessable, VirtsimError } from '@virtsim/contracts';
import { causality, notDelivered, request, shareArrival, withRetry } from '@virtsim/messaging';
import { from, lastValueFrom, type Observable } from 'rxjs';
import type { ServiceContext } from './service-context.js';
import type { ShardLeases } from './shard-leases.js';
import type { ShardScope } from './shards.js';

type Payload = Record<string, unknown> & { items?: Record<string, unknown>[]; tick?: number };
interface TickAnswer { events?: number }
interface BatchAnswer { outcomes: unknown[] }

/** how long a request handed on waits for its share to have a holder again (a replica died: the others take its
 *  shares at their next lease round, then fold their clusters) */
const HAND_ON_WINDOW_MS = 30_000;

@Injectable()
export class ShardRouter implements NestInterceptor {
  private lastTick: { tick: number; answer: Promise<unknown> } | null = null;

  constructor(private readonly ctx: ServiceContext, private readonly leases: ShardLeases) {}

  /** the shares whose clusters the state holds now: answered here (a share being taken over is not yet) */
  private get scope(): ShardScope { return this.ctx.projection.shardScope!; }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const pattern = String(Reflect.getMetadata('microservices:pattern', context.getHandler())?.[0] ?? '');
    const data = (context.switchToRpc().getData() ?? {}) as Payload;
    const local = () => lastValueFrom(next.handle());
    return from(this.route(pattern, data, shareArrival.getStore()?.share, local));
  }

  private async route(pattern: string, data: Payload, arrived: number | undefined, local: () => Promise<unknown>): Promise<unknown> {
    if (pattern === `${this.ctx.name}.tick`) return this.tick(pattern, data, arrived, local);
    if (arrived !== undefined) {
      // handed on to this replica for a share it holds: answer here (never hand on twice)
      if (!this.scope.owned.has(arrived)) throw new VirtsimError('unavailable', `${this.ctx.name} replica ${this.leases.replica} no longer holds share ${arrived}`, { share: arrived });
      if (!Array.isArray(data.items)) this.refuseCrossShare(data, arrived);
      return local();
    }
    if (Array.isArray(data.items)) return this.batch(pattern, data, local);
    const share = await this.shareOfRequest(data);
    if (share === null) return local();
    if (!this.scope.owned.has(share)) return this.handOn(pattern, data, share);
    this.refuseCrossShare(data, share);
    return local();
  }

  /** the share the request is about, or null: about no cluster, or one not known here (then answered here) */
  private async shareOfRequest(req: Record<string, unknown>): Promise<number | null> {
    if (this.scope.index.unknown(req) || this.scope.index.unknown({ vmId: req.vmId })) await this.ctx.projection.catchUp();
    const cluster = this.scope.index.clusterOf(req);
    return cluster === null ? null : this.scope.shareOf(cluster);
  }

  /** A request about a VM of one share and a cluster of another (a move between clusters) is answered by the
   *  cluster's holder when it holds the VM's share too; else it is refused by name rather than answered from half
   *  the facts (this replica does not fold the VM). */
  private refuseCrossShare(req: Record<string, unknown>, share: number): void {
    const vmCluster = typeof req.vmId === 'string' ? this.scope.index.clusterOf({ vmId: req.vmId }) : null;
    if (vmCluster === null || this.scope.owned.has(this.scope.shareOf(vmCluster))) return;
    const cluster = this.scope.index.clusterOf(req);
    throw unprocessable('shards.crossShare', `VM ${String(req.vmId)} is in cluster ${vmCluster} and the request is about cluster ${cluster}: with VIRTSIM_SHARDS=${this.scope.shares} they are in different shares (${this.scope.shareOf(vmCluster)} and ${share}), and the ${this.ctx.name} replica that holds the cluster's does not hold the VM's`, { vmId: String(req.vmId), clusterId: cluster, vmClusterId: vmCluster });
  }

  private async batch(pattern: string, data: Payload, local: () => Promise<unknown>): Promise<unknown> {
    const items = data.items!;
    const shares = await Promise.all(items.map((item) => this.shareOfRequest(item)));
    const byShare = new Map<number | null, number[]>();
    for (const [i, s] of shares.entries()) {
      const k = s === null || this.scope.owned.has(s) ? null : s;
      byShare.set(k, [...(byShare.get(k) ?? []), i]);
    }
    if (byShare.size === 1 && byShare.has(null)) return local();
    const outcomes: unknown[] = new Array(items.length);
    await Promise.all([...byShare].map(async ([share, idx]) => {
      const part = idx.map((i) => items[i]);
      let answer: BatchAnswer;
      if (share === null) {
        data.items = part; // the handler's pipe validates the payload it is given, after this interceptor
        answer = (await local()) as BatchAnswer;
      } else {
        answer = (await this.handOn(pattern, { ...data, items: part }, share)) as BatchAnswer;
      }
      idx.forEach((i, n) => { outcomes[i] = answer.outcomes[n]; });
    }));
    return { outcomes };
  }

  private async tick(pattern: string, data: Payload, arrived: number | undefined, local: () => Promise<unknown>): Promise<unknown> {
    const tick = Number(data.tick);
    const first = this.lastTick?.tick !== tick;
    if (first) {
      const answer = local();
      this.lastTick = { tick, answer };
      answer.catch(() => { if (this.lastTick?.answer === answer) this.lastTick = null; }); // a failed tick may be asked again
    }
    const own = (await this.lastTick!.answer) as TickAnswer;
    // asked again for a tick it ran: it appended nothing more
    const mine = first ? own : { ...own, events: 0 };
    if (arrived !== undefined) return mine;
    const others = Array.from({ length: this.scope.shares }, (_, k) => k).filter((k) => !this.scope.owned.has(k));
    const answers = (await Promise.all(others.map((k) => this.handOn(pattern, data, k)))) as TickAnswer[];
    return { ...mine, events: answers.reduce((n, a) => n + (a?.events ?? 0), mine.events ?? 0) };
  }

  /** ask the share's holder; while the share has none (its replica died, the take-over is under way), again */
  private handOn(pattern: string, data: unknown, share: number): Promise<unknown> {
    const after = causality.getStore()?.after;
    const timeoutMs = this.ctx.config.VIRTSIM_REQUEST_TIMEOUT_MS;
    return withRetry(() => request(this.ctx.runtime.client, shareSubject(pattern, share), data, timeoutMs, { after }), {
      windowMs: Math.min(HAND_ON_WINDOW_MS, timeoutMs),
      service: `${this.ctx.name} share ${share}`,
      retryable: notDelivered,
    });
  }
}
