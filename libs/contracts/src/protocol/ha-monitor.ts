// The ha-monitor's subjects: admission control at power-on, fault injection and recovery, the tick, its views.
import { z } from 'zod';
import { Id } from '../specs.js';
import { CheckPowerOnRequest, ClusterQuery, idempotent, stateSubjects, TickRequest, viewSubjects, type PowerOnCheck, type ViewAnswer } from './common.js';
import { reply, rpc } from './rpc.js';

const simTime = z.number().min(0).finite().optional();

export const HostFaultKind = z.enum(['power-loss', 'network-isolation', 'hypervisor-crash']);
export const HostFaultRequest = z.object({ hostId: Id, kind: HostFaultKind, simTime, ...idempotent });
export type HostFaultRequest = z.infer<typeof HostFaultRequest>;
export interface HostFaultAnswer { hostId: string; clusterId: string; kind: z.infer<typeof HostFaultKind>; haEnabled: boolean; vmsDown: string[]; events: number }

export const HostRecoverRequest = z.object({ hostId: Id, simTime, ...idempotent });
export type HostRecoverRequest = z.infer<typeof HostRecoverRequest>;
export interface HostRecoverAnswer { hostId: string; clusterId: string; cleared: string | null; events: number }

export const VmFaultKind = z.enum(['guest-os-crash', 'vmm-process-crash']);
export const VmFaultRequest = z.object({ vmId: Id, kind: VmFaultKind, simTime, ...idempotent });
export type VmFaultRequest = z.infer<typeof VmFaultRequest>;
export interface VmFaultAnswer { vmId: string; clusterId: string; kind: z.infer<typeof VmFaultKind>; detectable: boolean; haEnabled: boolean; events: number }

export interface HaTickAnswer { events: number }

export const haMonitor = {
  admit: rpc('ha-monitor.admit', CheckPowerOnRequest, { reply: reply<PowerOnCheck>(), errors: ['not-found', 'unprocessable'], idempotent: true }),
  hostFault: rpc('ha-monitor.host-fault', HostFaultRequest, { reply: reply<HostFaultAnswer>(), errors: ['not-found', 'conflict'], idempotent: true }),
  hostRecover: rpc('ha-monitor.host-recover', HostRecoverRequest, { reply: reply<HostRecoverAnswer>(), errors: ['not-found', 'conflict'], idempotent: true }),
  vmFault: rpc('ha-monitor.vm-fault', VmFaultRequest, { reply: reply<VmFaultAnswer>(), errors: ['not-found', 'conflict'], idempotent: true }),
  tick: rpc('ha-monitor.tick', TickRequest, { reply: reply<HaTickAnswer>(), idempotent: true }),
  cluster: rpc('ha-monitor.cluster', ClusterQuery, { reply: reply<ViewAnswer>(), errors: ['not-found'], idempotent: true }),
  ...viewSubjects('ha-monitor'),
  ...stateSubjects('ha-monitor'),
} as const;
