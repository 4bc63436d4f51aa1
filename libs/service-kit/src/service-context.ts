// What a service's handlers get injected: its projection (state), its command runner, the store,
// and the one request helper to reach other services.
import type { Logger } from 'pino';
import type { ReplyOf, RequestOf, Rpc } from '@virtsim/contracts';
import { call, request, type RequestOptions } from '@virtsim/messaging';
import type { CommandRunner } from './command-runner.js';
import type { Projection } from './projection.js';
import type { Runtime } from './runtime.js';
import { StepDecisions } from './steps.js';

export class ServiceContext<S = any> {
  constructor(
    readonly name: string,
    readonly runtime: Runtime,
    readonly projection: Projection<S>,
    readonly commands: CommandRunner<S>,
    readonly log: Logger,
  ) {}

  get state(): S { return this.projection.state; }
  get store() { return this.runtime.store; }
  get config() { return this.runtime.config; }

  /** the idempotent steps of one decision, answered from (and recorded in) the log: see steps.ts.
   *  `transient`: refusal rules a repeat decides again (the refusal depended on ordering, not on the domain) */
  steps(transient?: ReadonlySet<string>): StepDecisions {
    return new StepDecisions(this.projection.name, this.projection.outcomes, transient);
  }

  /** ask another service one subject of the protocol: `ctx.call(protocol.scheduler.place, { vmId })` */
  call<R extends Rpc>(rpc: R, data: RequestOf<R>, timeoutMs = this.runtime.config.VIRTSIM_REQUEST_TIMEOUT_MS, options?: RequestOptions): Promise<ReplyOf<R>> {
    return call(this.runtime.client, rpc, data, timeoutMs, options);
  }

  /** call, vouching that the answer needs nothing past what this service has applied (see causality.ts) */
  callAfterOwn<R extends Rpc>(rpc: R, data: RequestOf<R>, timeoutMs?: number): Promise<ReplyOf<R>> {
    return this.call(rpc, data, timeoutMs, { after: this.projection.position });
  }

  /** by subject name, untyped: for tests and tools that probe the wire; services use call */
  request<T>(pattern: string, data: unknown, timeoutMs = this.runtime.config.VIRTSIM_REQUEST_TIMEOUT_MS, options?: RequestOptions): Promise<T> {
    return request<T>(this.runtime.client, pattern, data, timeoutMs, options);
  }

}
