// What a service's handlers get injected: its projection (state), its command runner, the store,
// and the one request helper to reach other services.
import type { Logger } from 'pino';
import { request, type RequestOptions } from '@virtsim/messaging';
import type { CommandRunner } from './command-runner.js';
import type { Projection } from './projection.js';
import type { Runtime } from './runtime.js';

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

  request<T>(pattern: string, data: unknown, timeoutMs = this.runtime.config.VIRTSIM_REQUEST_TIMEOUT_MS, options?: RequestOptions): Promise<T> {
    return request<T>(this.runtime.client, pattern, data, timeoutMs, options);
  }

  /** ask, vouching that the answer needs nothing past what this service has applied (see causality.ts) */
  requestAfterOwn<T>(pattern: string, data: unknown, timeoutMs?: number): Promise<T> {
    return this.request<T>(pattern, data, timeoutMs, { after: this.projection.position });
  }
}
