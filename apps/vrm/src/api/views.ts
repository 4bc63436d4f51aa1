// GET /vms/:id and /hosts/:id join the vrm's inventory with what each service knows about the object.
// A service that does not answer is listed in `unavailable` instead of failing the whole read.
import { VirtsimError } from '@virtsim/contracts';
import type { Vrm } from '../vrm.service.js';

const VIEW_SERVICES = { scheduler: 'cpu', 'memory-manager': 'memory', 'io-backend': 'io', 'ha-monitor': 'ha', migration: 'migration' } as const;

export async function gatherViews(vrm: Vrm, kind: 'vm' | 'host', query: { vmId?: string; hostId?: string }) {
  const entries = Object.entries(VIEW_SERVICES);
  const answers = await Promise.allSettled(entries.map(([svc]) => vrm.ctx.request(`${svc}.${kind}`, query, 5000)));
  const out: Record<string, unknown> = {};
  const unavailable: string[] = [];
  answers.forEach((a, i) => {
    const [svc, key] = entries[i];
    if (a.status === 'fulfilled') out[key] = a.value;
    else if (VirtsimError.from(a.reason).code !== 'not-found') unavailable.push(svc);
  });
  return unavailable.length ? { ...out, unavailable } : out;
}
