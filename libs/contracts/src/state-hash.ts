// The canonical form of a state and its hash, as GET /state answers them and `virtsim verify` compares them:
// keys sorted, undefined dropped, so equal states hash equal however they were reached.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

export const stateHash = (value: unknown): string => createHash('sha256').update(canonicalJson(value)).digest('hex');
