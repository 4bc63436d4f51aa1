// Request pieces every service shares, and the subjects every service answers.
// Requests strip unknown fields (the tolerant reader): callers are other services, and a field one adds in a
// rolling upgrade must not break a peer that does not know it yet. Known fields are checked strictly.
import { z } from 'zod';
import { Id } from '../specs.js';
import { reply, rpc } from './rpc.js';

const Text = z.string().min(1).max(200);
export const trace = { correlationId: Text.optional(), causationId: Text.optional() };
export const idempotent = { ...trace, idempotencyKey: Text.optional() };
export type Trace = { correlationId?: string; causationId?: string };

/** the clock's phase of one simulated tick (one TickRequest for every service) */
export const TickRequest = z.object({
  tick: z.number().int().min(0), simTime: z.number().min(0).finite(), tickSeconds: z.number().positive().finite(), ...trace,
});
export type TickRequest = z.infer<typeof TickRequest>;

export const VmQuery = z.object({ vmId: Id, ...trace });
export type VmQuery = z.infer<typeof VmQuery>;
export const HostQuery = z.object({ hostId: Id, ...trace });
export type HostQuery = z.infer<typeof HostQuery>;
export const ClusterQuery = z.object({ clusterId: Id, ...trace });
export type ClusterQuery = z.infer<typeof ClusterQuery>;

/** `at`: the state as of that log position (rebuilt), else the live state */
export const AtQuery = z.strictObject({ at: z.number().int().min(0).optional() });
export type AtQuery = z.infer<typeof AtQuery>;

export interface ServiceStateAnswer { service: string; position: number; hash: string; state?: unknown }
export interface VerifyAnswer { service: string; position: number; liveHash: string; rebuiltHash: string; equal: boolean }
/** a service's view of one object (GET /vms/:id, /hosts/:id join them); its shape is the service's own */
export type ViewAnswer = object;

/** `<service>.state`, `.hash`, `.verify`: answered by service-kit for every service */
export function stateSubjects<S extends string>(service: S) {
  return {
    state: rpc(`${service}.state`, AtQuery, { reply: reply<ServiceStateAnswer>(), idempotent: true }),
    hash: rpc(`${service}.hash`, AtQuery, { reply: reply<ServiceStateAnswer>(), idempotent: true }),
    verify: rpc(`${service}.verify`, z.object({}), { reply: reply<VerifyAnswer>(), idempotent: true }),
  } as const;
}

/** `<service>.vm` and `.host`: the service's view of one VM or host */
export function viewSubjects<S extends string>(service: S) {
  return {
    vm: rpc(`${service}.vm`, VmQuery, { reply: reply<ViewAnswer>(), errors: ['not-found'], idempotent: true }),
    host: rpc(`${service}.host`, HostQuery, { reply: reply<ViewAnswer>(), errors: ['not-found'], idempotent: true }),
  } as const;
}

/** the power-on checks (vrm asks HA admission, memory, I/O before a VM starts) */
export const CheckPowerOnRequest = z.object({ vmId: Id, hostId: Id, ...idempotent });
export type CheckPowerOnRequest = z.infer<typeof CheckPowerOnRequest>;
export interface PowerOnCheck { ok: boolean; warnings: string[] }
