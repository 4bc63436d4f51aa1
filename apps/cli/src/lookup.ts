// Hosts, VMs and clusters by name or id: an exact id wins, else the one object with that name; a name several
// objects share is refused with the matches listed (pure choice; the listing comes from the caller).
import { UsageError } from './errors.js';

export type Kind = 'host' | 'vm' | 'cluster';

export function choose<T extends { id: string; name: string }>(kind: Kind, ref: string, items: T[]): T {
  const byId = items.find((i) => i.id === ref);
  if (byId) return byId;
  const named = items.filter((i) => i.name === ref);
  if (named.length === 1) return named[0]!;
  if (named.length === 0) throw new UsageError(`no ${kind} with id or name "${ref}"`);
  throw new UsageError(`${named.length} ${kind}s are named "${ref}": give the id`, named.map((i) => `${i.id}  ${i.name}`));
}
