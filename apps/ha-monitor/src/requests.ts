// Payloads of the ha-monitor subjects (docs/service-kit.md contract table), validated with zod at the boundary.
import { Id } from '@virtsim/contracts';
import { z } from 'zod';

const trace = {
  correlationId: z.string().min(1).max(200).optional(),
  causationId: z.string().min(1).max(200).optional(),
};
const idempotent = { ...trace, idempotencyKey: z.string().min(1).max(200).optional() };
const simTime = z.number().min(0).finite().optional();

export const AdmitRequest = z.strictObject({ vmId: Id, hostId: Id.optional(), ...idempotent });
export const HostFaultRequest = z.strictObject({
  hostId: Id, kind: z.enum(['power-loss', 'network-isolation', 'hypervisor-crash']), simTime, ...idempotent,
});
export const HostRecoverRequest = z.strictObject({ hostId: Id, simTime, ...idempotent });
export const VmFaultRequest = z.strictObject({ vmId: Id, kind: z.enum(['guest-os-crash', 'vmm-process-crash']), simTime, ...idempotent });
export const TickRequest = z.strictObject({
  tick: z.number().int().min(0), simTime: z.number().min(0).finite(), tickSeconds: z.number().positive().finite(), ...trace,
});
export const VmQuery = z.strictObject({ vmId: Id, ...trace });
export const HostQuery = z.strictObject({ hostId: Id, ...trace });
export const ClusterQuery = z.strictObject({ clusterId: Id, ...trace });

export type AdmitRequest = z.infer<typeof AdmitRequest>;
export type HostFaultRequest = z.infer<typeof HostFaultRequest>;
export type HostRecoverRequest = z.infer<typeof HostRecoverRequest>;
export type VmFaultRequest = z.infer<typeof VmFaultRequest>;
export type TickRequest = z.infer<typeof TickRequest>;
export type VmQuery = z.infer<typeof VmQuery>;
export type HostQuery = z.infer<typeof HostQuery>;
export type ClusterQuery = z.infer<typeof ClusterQuery>;
