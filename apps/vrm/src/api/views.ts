// GET /vms/:id and /hosts/:id join the vrm's inventory with what each service knows about the object.
// A service that does not answer is listed in `unavailable` instead of failing the whole read.
import { protocol, VirtsimError, type VIEW_SERVICES } from '@virtsim/contracts';
import type { Vrm } from '../vrm.service.js';

/** each service's view, under the key GET /vms/:id and /hosts/:id show it */
const VIEW_KEYS: Record<(typeof VIEW_SERVICES)[number], string> = { scheduler: 'cpu', 'memory-manager': 'memory', 'io-backend': 'io', 'ha-monitor': 'ha', migration: 'migration' };

export async function gatherViews(vrm: Vrm, kind: 'vm' | 'host', query: { vmId?: string; hostId?: string }) {
  const entries = Object.entries(VIEW_KEYS) as [keyof typeof VIEW_KEYS, string][];
  const ask = (svc: keyof typeof VIEW_KEYS) => (kind === 'vm'
    ? vrm.ctx.call(protocol[svc].vm, { vmId: query.vmId ?? '' }, 5000)
    : vrm.ctx.call(protocol[svc].host, { hostId: query.hostId ?? '' }, 5000));
  const answers = await Promise.allSettled(entries.map(([svc]) => ask(svc)));
  const out: Record<string, unknown> = {};
  const unavailable: string[] = [];
  answers.forEach((a, i) => {
    const [svc, key] = entries[i];
    if (a.status === 'fulfilled') out[key] = a.value;
    else if (VirtsimError.from(a.reason).code !== 'not-found') unavailable.push(svc);
  });
  return unavailable.length ? { ...out, unavailable } : out;
}
