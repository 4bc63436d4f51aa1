// Powering a VM on asks the services that can refuse it: HA admission control, memory (huge pages,
// reservations), I/O (PV drivers: a Windows guest with a virtio disk and no Tools does not boot).
// Checks only: the effects follow from the VmStateChanged events every service projects.
import { Injectable } from '@nestjs/common';
import { protocol } from '@virtsim/contracts';
import { persistently, stepAttemptMs } from './step-retry.js';
import { Vrm } from './vrm.service.js';

/** who can refuse a power-on, in the order they are asked */
const CHECKS = [protocol['ha-monitor'].admit, protocol['memory-manager'].checkPowerOn, protocol['io-backend'].checkPowerOn];

@Injectable()
export class PowerOn {
  constructor(private readonly vrm: Vrm) {}

  /** `after-own`: the caller vouches that everything the checks depend on is applied by this vrm (a saga step).
   *  Checks read only, so a service that does not answer is asked again (step-retry.ts). */
  async check(vmId: string, hostId: string, read: 'head' | 'after-own' = 'head'): Promise<string[]> {
    const warnings: string[] = [];
    const timeout = stepAttemptMs(this.vrm);
    for (const check of CHECKS) {
      const data = { vmId, hostId };
      const pattern = check.subject;
      const r = await persistently(this.vrm, pattern.slice(0, pattern.indexOf('.')), () => read === 'after-own'
        ? this.vrm.ctx.callAfterOwn(check, data, timeout)
        : this.vrm.ctx.call(check, data, timeout), { vmId, pattern });
      warnings.push(...(r?.warnings ?? []));
    }
    return warnings;
  }
}
