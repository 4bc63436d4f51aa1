// The io-backend's subjects: the attach-devices saga step and its release, Tools install, the power-on check,
// the questions migration and HA ask (passthrough devices, equivalent devices free), the tick.
import { z } from 'zod';
import type { IoDevice } from '../events/io.js';
import { Id } from '../specs.js';
import { CheckPowerOnRequest, idempotent, stateSubjects, TickRequest, trace, viewSubjects, type PowerOnCheck } from './common.js';
import { reply, rpc, sagaStep } from './rpc.js';

export const AttachDevicesRequest = z.object({ vmId: Id, ...idempotent });
export type AttachDevicesRequest = z.infer<typeof AttachDevicesRequest>;
export interface AttachDevicesAnswer {
  vmId: string;
  hostId: string;
  domId: number;
  devices: Pick<IoDevice, 'deviceId' | 'kind' | 'mode' | 'guestName' | 'hostModel' | 'vgpuProfile'>[];
  events: number;
}

export const ReleaseDevicesRequest = z.object({ vmId: Id, reason: z.string().min(1).max(200).optional(), ...idempotent });
export type ReleaseDevicesRequest = z.infer<typeof ReleaseDevicesRequest>;
export interface ReleaseDevicesAnswer { vmId: string; detached: boolean; releasedPci: number[]; events: number }

export const InstallToolsRequest = z.object({ vmId: Id, ...idempotent });
export type InstallToolsRequest = z.infer<typeof InstallToolsRequest>;
export interface InstallToolsAnswer { vmId: string; toolsInstalled: boolean; alreadyInstalled: boolean; reconnected: string[]; events: number }

export const CanMigrateRequest = z.object({ vmId: Id, targetHostId: Id.optional(), ...trace });
export type CanMigrateRequest = z.infer<typeof CanMigrateRequest>;
export interface CanMigrateAnswer {
  ok: boolean;
  blockingDevices?: { deviceId?: string; guestName?: string; mode?: string; hostModel?: string | null }[];
}

export const EquivalentFreeRequest = z.object({ vmId: Id, hostId: Id, ...trace });
export type EquivalentFreeRequest = z.infer<typeof EquivalentFreeRequest>;
export interface EquivalentFreeAnswer { ok: boolean; missing: unknown[] }

export interface IoTickAnswer { events: number }

export const ioBackend = {
  attachDevices: sagaStep('io-backend.attach-devices', AttachDevicesRequest, { reply: reply<AttachDevicesAnswer>(), errors: ['not-found', 'conflict', 'unprocessable'] }),
  releaseDevices: rpc('io-backend.release-devices', ReleaseDevicesRequest, { reply: reply<ReleaseDevicesAnswer>(), idempotent: true }),
  installTools: rpc('io-backend.install-tools', InstallToolsRequest, { reply: reply<InstallToolsAnswer>(), errors: ['not-found', 'conflict'], idempotent: true }),
  checkPowerOn: rpc('io-backend.check-power-on', CheckPowerOnRequest, { reply: reply<PowerOnCheck>(), errors: ['not-found', 'unprocessable'], idempotent: true }),
  canMigrate: rpc('io-backend.can-migrate', CanMigrateRequest, { reply: reply<CanMigrateAnswer>(), errors: ['not-found'], idempotent: true }),
  equivalentFree: rpc('io-backend.equivalent-free', EquivalentFreeRequest, { reply: reply<EquivalentFreeAnswer>(), errors: ['not-found'], idempotent: true }),
  tick: rpc('io-backend.tick', TickRequest, { reply: reply<IoTickAnswer>(), idempotent: true }),
  ...viewSubjects('io-backend'),
  ...stateSubjects('io-backend'),
} as const;
