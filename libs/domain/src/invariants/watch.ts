// Deciding breaches: check the invariants over what changed (or everything, at a tick), compare with the
// breaches already open, answer InvariantViolated for new ones and InvariantRestored for those that hold again.
// Pure; the watcher in the vrm feeds it the world and appends what it answers.
import type { InvariantEvent, InvariantEvidence } from '@virtsim/contracts';
import { INVARIANTS, type Evidence, type Invariant } from './catalog.js';
import type { World } from './world.js';

export interface OpenBreach { invariant: string; subject: string; since: number; sinceSimTime: number; evidence: InvariantEvidence }

/** what the log says about the invariants: open breaches, and each invariant's last evidence and breach count */
export interface InvariantStatus {
  open: Record<string, OpenBreach>;
  last: Record<string, { evidence: InvariantEvidence; position: number; simTime: number }>;
  breaches: Record<string, number>;
  position: number;
}

export const emptyStatus = (): InvariantStatus => ({ open: {}, last: {}, breaches: {}, position: 0 });
export const breachKey = (invariant: string, subject: string) => `${invariant}|${subject}`;

/** folds InvariantViolated / InvariantRestored (every other event only moves the position) */
export function evolveStatus(s: InvariantStatus, e: { position: number; type: string; data: unknown; metadata?: { simTime?: number } }): InvariantStatus {
  s.position = Math.max(s.position, e.position);
  const simTime = e.metadata?.simTime ?? 0;
  if (e.type === 'InvariantViolated') {
    const d = e.data as Extract<InvariantEvent, { type: 'InvariantViolated' }>['data'];
    s.open[breachKey(d.invariant, d.subject)] = { invariant: d.invariant, subject: d.subject, since: e.position, sinceSimTime: simTime, evidence: d.evidence };
    s.last[d.invariant] = { evidence: d.evidence, position: e.position, simTime };
    s.breaches[d.invariant] = (s.breaches[d.invariant] ?? 0) + 1;
  } else if (e.type === 'InvariantRestored') {
    const d = e.data as Extract<InvariantEvent, { type: 'InvariantRestored' }>['data'];
    delete s.open[breachKey(d.invariant, d.subject)];
  }
  return s;
}

interface Found { invariant: Invariant; evidence: Evidence }

/** the breaches seen now, and which subjects each scope looked at (an open breach elsewhere is left as it is) */
function check(w: World, full: boolean): { found: Map<string, Found>; looked: (inv: Invariant, subject: string) => boolean } {
  const found = new Map<string, Found>();
  const add = (invariant: Invariant, evidence: Evidence) => found.set(breachKey(invariant.id, evidence.subject), { invariant, evidence });
  const vmIds = full ? Object.keys(w.vms) : [...w.dirtyVms];
  const hostIds = full ? Object.keys(w.hosts) : [...w.dirtyHosts];
  for (const inv of INVARIANTS) {
    if (inv.scope === 'vm') {
      for (const id of vmIds) { const vm = w.vms[id]; const ev = vm ? inv.check(w, id, vm) : null; if (ev) add(inv, ev); }
    } else if (inv.scope === 'host') {
      for (const id of hostIds) { const h = w.hosts[id]; if (h) for (const ev of inv.check(w, id, h)) add(inv, ev); }
    } else if (inv.scope === 'world' && (full || !inv.sweep)) {
      for (const ev of inv.check(w)) add(inv, ev);
    }
  }
  const dirtyVms = new Set(vmIds);
  const dirtyHosts = new Set(hostIds);
  const looked = (inv: Invariant, subject: string) => {
    if (inv.scope === 'vm') return dirtyVms.has(subject) || !w.vms[subject];
    if (inv.scope === 'host') {
      const host = subject.includes('@') ? subject.slice(subject.indexOf('@') + 1) : subject.split('/')[0]!;
      return dirtyHosts.has(host) || !w.hosts[host];
    }
    return inv.scope === 'world' && (full || !inv.sweep);
  };
  return { found, looked };
}

/** the VM and host a subject names (`vm1`, `h1`, `h1/0`, `vm1@h1`), so the audit finds the breach by either */
function subjectRefs(w: World, subject: string): { vmId?: string; hostId?: string } {
  const [left, right] = subject.includes('@') ? subject.split('@') : [subject.split('/')[0]!, undefined];
  const refs: { vmId?: string; hostId?: string } = {};
  if (left && w.vms[left]) refs.vmId = left;
  const host = right ?? (left && w.hosts[left] ? left : undefined);
  if (host) refs.hostId = host;
  else if (refs.vmId && w.vms[refs.vmId]!.hosts[0]) refs.hostId = w.vms[refs.vmId]!.hosts[0];
  return refs;
}

/** New breaches and ends of old ones, in a stable order (invariant catalog order, then subject). Clears the
 *  world's dirty sets: the next call looks at what changes after this one. */
export function decideInvariants(status: InvariantStatus, w: World, options: { full: boolean }): InvariantEvent[] {
  const { found, looked } = check(w, options.full);
  w.dirtyVms.clear();
  w.dirtyHosts.clear();
  const events: InvariantEvent[] = [];
  for (const [key, f] of found) {
    if (status.open[key]) continue;
    const evidence: InvariantEvidence = { detail: f.evidence.detail, positions: f.evidence.positions };
    events.push({
      type: 'InvariantViolated',
      data: {
        invariant: f.invariant.id, subject: f.evidence.subject, ...subjectRefs(w, f.evidence.subject), text: f.invariant.text,
        protects: f.invariant.protects, evidence, position: Math.max(0, ...f.evidence.positions),
      },
    });
  }
  for (const [key, b] of Object.entries(status.open)) {
    const inv = INVARIANTS.find((i) => i.id === b.invariant);
    if (!inv || found.has(key) || !looked(inv, b.subject)) continue;
    events.push({ type: 'InvariantRestored', data: { invariant: b.invariant, subject: b.subject, since: b.since, position: w.position } });
  }
  const rank = (id: string) => INVARIANTS.findIndex((i) => i.id === id);
  return events.sort((a, b) => rank(a.data.invariant) - rank(b.data.invariant) || (a.data.subject < b.data.subject ? -1 : a.data.subject > b.data.subject ? 1 : 0) || (a.type < b.type ? -1 : 1));
}

/** A verification's outcome (every service rebuilt from the log and compared with its live state): a breach of
 *  state-equals-replay per service that differs, its end for a service that is equal again. */
export function decideReplayVerification(status: InvariantStatus, services: readonly { service: string; position: number; liveHash: string; rebuiltHash: string; equal: boolean }[]): InvariantEvent[] {
  const inv = INVARIANTS.find((i) => i.id === 'state-equals-replay')!;
  const events: InvariantEvent[] = [];
  for (const s of [...services].sort((a, b) => (a.service < b.service ? -1 : 1))) {
    const key = breachKey(inv.id, s.service);
    if (!s.equal && !status.open[key]) {
      events.push({ type: 'InvariantViolated', data: {
        invariant: inv.id, subject: s.service, text: inv.text, protects: inv.protects, position: s.position,
        evidence: { detail: `${s.service} at position ${s.position}: live state ${s.liveHash.slice(0, 12)}, rebuilt from the log ${s.rebuiltHash.slice(0, 12)}`, positions: [s.position] },
      } });
    } else if (s.equal && status.open[key]) {
      events.push({ type: 'InvariantRestored', data: { invariant: inv.id, subject: s.service, since: status.open[key]!.since, position: s.position } });
    }
  }
  return events;
}

/** One line per invariant for GET /invariants: status, since when, last evidence. */
export function invariantReport(status: InvariantStatus) {
  return INVARIANTS.map((inv) => {
    const open = Object.values(status.open).filter((b) => b.invariant === inv.id).sort((a, b) => a.since - b.since);
    const last = status.last[inv.id];
    return {
      id: inv.id, text: inv.text, protects: inv.protects, status: open.length ? 'violated' as const : 'holds' as const,
      since: open[0]?.since ?? null, sinceSimTime: open[0]?.sinceSimTime ?? null, openBreaches: open.length,
      breaches: status.breaches[inv.id] ?? 0, subjects: open.map((b) => b.subject),
      lastEvidence: last ? { ...last.evidence, position: last.position, simTime: last.simTime } : null,
    };
  });
}
