// Invariant events (B6), appended by the vrm's invariant watcher: a breach seen in the joined state of the
// services, with its evidence (what is wrong, and the log positions that led there), and its end.
import type { EventOf } from './envelope.js';

export interface InvariantEvidence { detail: string; positions: number[] }

export type InvariantEvent =
  /** position: the last event of the evidence chain (where the breach became visible); vmId / hostId: what the
   *  subject names (the audit filters by them) */
  | EventOf<'InvariantViolated', { invariant: string; subject: string; vmId?: string; hostId?: string; text: string; protects: string[]; evidence: InvariantEvidence; position: number }>
  /** since: the position of the InvariantViolated it ends; position: where the watcher saw it hold again */
  | EventOf<'InvariantRestored', { invariant: string; subject: string; since: number; position: number }>;

export type InvariantEventType = InvariantEvent['type'];
