// Powering a VM on asks the services that can refuse it: HA admission control, memory (huge pages,
// reservations), I/O (PV drivers: a Windows guest with a virtio disk and no Tools does not boot).
// Checks only: the effects follow from the VmStateChanged events every service projects.
import { Injectable } from '@nestjs/common';
import { persistently, stepAttemptMs } from './step-retry.js';
import { Vrm } from './vrm.service.js';

export interface PowerOnCheck { ok: boolean; warnings?: string[] }

@Injectable()
export class PowerOn {
  constructor(private readonly vrm: Vrm) {}

  /** `after-own`: the caller vouches that everything the checks depend on is applied by this vrm (a saga step).
   *  Checks read only, so a service that does not answer is asked again (step-retry.ts). */
  async check(vmId: string, hostId: string, read: 'head' | 'after-own' = 'head'): Promise<string[]> {
    const warnings: string[] = [];
    const timeout = stepAttemptMs(this.vrm);
    for (const pattern of ['ha-monitor.admit', 'memory-manager.check-power-on', 'io-backend.check-power-on']) {
      const data = { vmId, hostId };
      const r = await persistently(this.vrm, pattern.slice(0, pattern.indexOf('.')), () => read === 'after-own'
        ? this.vrm.ctx.requestAfterOwn<PowerOnCheck>(pattern, data, timeout)
        : this.vrm.ctx.request<PowerOnCheck>(pattern, data, timeout), { vmId, pattern });
      warnings.push(...(r?.warnings ?? []));
    }
    return warnings;
  }
}
