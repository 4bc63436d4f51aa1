// What a service's handlers get injected: its projection (state), its command runner, the store,
// and the one request helper to reach other services.
import type { Logger } from 'pino';
import { VirtsimError, type EventMetadata, type ReplyOf, type RequestOf, type Rpc } from '@virtsim/contracts';
import { call, isTransient, notDelivered, request, withRetry, type RequestOptions } from '@virtsim/messaging';
import type { CommandRunner, Decision, RunOptions } from './command-runner.js';
import type { Projection } from './projection.js';
import type { Runtime } from './runtime.js';
import { StepDecisions } from './steps.js';

/** a refusal that ended a steps command, carried past the append of its StepRefused to be thrown after it */
const REFUSED = Symbol('refused');
interface Refused { [REFUSED]: VirtsimError }

export interface StepsOptions extends RunOptions {
  /** refusal rules a repeat decides again: they depended on ordering, not on the domain (e.g. a reserve that came
   *  before its placement was folded) */
  transient?: ReadonlySet<string>;
  /** metadata of an append that carries only the refusal that ended the command (simTime, trace) */
  metadata?: (state: any) => EventMetadata;
}

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

  /** A command made of idempotent steps (steps.ts), on `commands.run`: `decide` answers each idempotency key
   *  through `steps.step(key, ...)`, which answers a key from the log or decides it. The refusals it records are
   *  appended with the decision (on `steps-<service>`); a refusal that ends the whole command is appended, then
   *  thrown. A `-many` request answers each item with `stepOutcome(() => steps.step(...))`. */
  async runSteps<T extends object>(decide: (state: S, steps: StepDecisions) => Decision<T> | Promise<Decision<T>>, options: StepsOptions = {}): Promise<T & { position: number }> {
    const expected = (streamId: string) => this.commands.expected(streamId);
    const r = await this.commands.run<T | Refused>(async (state) => {
      const steps = new StepDecisions(this.projection.name, this.projection.outcomes, options.transient);
      try {
        const d = await decide(state, steps);
        return { ...d, appends: [...d.appends, ...steps.refusals(expected)] };
      } catch (err) {
        const refusals = steps.refusals(expected);
        if (refusals.length === 0) throw err;
        return { appends: refusals, result: { [REFUSED]: VirtsimError.from(err) }, metadata: options.metadata?.(state) };
      }
    }, options);
    if (REFUSED in r) throw r[REFUSED];
    return r as T & { position: number };
  }

  /** ask another service one subject of the protocol: `ctx.call(protocol.scheduler.place, { vmId })` */
  call<R extends Rpc>(rpc: R, data: RequestOf<R>, timeoutMs = this.runtime.config.VIRTSIM_REQUEST_TIMEOUT_MS, options?: RequestOptions): Promise<ReplyOf<R>> {
    return call(this.runtime.client, rpc, data, timeoutMs, options);
  }

  /** call, asked again through faults like a saga step (libs/messaging/src/retry.ts): a timeout, no responder, a
   *  transport or database error is asked again, same request and idempotency key, with backoff, until `deadline`
   *  (performance.now() ms; default VIRTSIM_STEP_RETRY_SECONDS from now); only a refusal ends it at once. A subject
   *  the protocol does not declare idempotent is asked again only when nobody received it; one that takes an
   *  idempotency key must be given one (the repeat is then answered from the first outcome). For calls a service makes of its own accord (ticks, DRS, DPM): a peer that is
   *  restarting delays the work instead of dropping it. */
  callPersistently<R extends Rpc>(rpc: R, data: RequestOf<R>, options: { deadline?: number } = {}): Promise<ReplyOf<R>> {
    const windowMs = (options.deadline ?? performance.now() + this.runtime.config.VIRTSIM_STEP_RETRY_SECONDS * 1000) - performance.now();
    const attemptMs = Math.max(100, Math.min(this.runtime.config.VIRTSIM_REQUEST_TIMEOUT_MS, 10_000, windowMs));
    return withRetry(() => this.call(rpc, data, attemptMs), {
      windowMs: Math.max(0, windowMs),
      service: rpc.subject.split('.')[0],
      retryable: rpc.idempotent ? isTransient : notDelivered,
      onRetry: (err, attempt) => { if (attempt === 1 || attempt % 10 === 0) this.log.warn({ subject: rpc.subject, attempt, err: err.message }, 'no answer; asking again'); },
    });
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
