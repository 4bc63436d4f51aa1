// Audit (B2): the automatic actions (DRS / DPM moves, HA detections and restarts, balloon / swap / sharing
// changes, IMC and placement refusals, migrations, rule compliance changes) with the rationale recorded in the event and the
// command or fault that caused them (correlation / causation ids). Each entry says what happened in a sentence;
// "why not" entries (whyNot: true) say what an automatic decision did NOT do and why (issue 19): a VM of a failed
// host that HA does not restart, a restart waiting for a host, an HA cluster running unprotected VMs, an idle
// cluster where DPM may power no host off, DRS moves waiting for an operator (manual automation).
import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { RecordedEvent } from '@virtsim/contracts';
import { ServiceContext, zodPipe } from '@virtsim/service-kit';
import { z } from 'zod';
import { QueryDoc } from '../http/openapi.js';
import { LogPosition } from './resources.js';

export const AuditQuery = z.strictObject({
  vm: z.string().min(1).max(64).optional(),
  host: z.string().min(1).max(64).optional(),
  from: z.coerce.number().min(0).optional(),
  to: z.coerce.number().min(0).optional(),
  after: LogPosition.default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
  whyNot: z.enum(['true', 'false']).optional().describe('true: only the entries that say what was not done, and why'),
});

/** which event types are automatic actions, by the words their names are made of */
const ACTIONS: [RegExp, string][] = [
  [/^Drs/, 'drs'], [/^Dpm/, 'dpm'],
  // a creation that failed, and each (re)request of a compensation: one still asked for shows here until it is done
  [/^VmCreation(StepFailed|CompensationRequested|StepCompensated|Failed)$/, 'saga'],
  [/Restart|Fenced|FailureDetected|Isolation|HeartbeatMissed|HostRecovered|StaleVmCopy|Admission|VmsDownOnHost|NeedsOperator|Unprotected/, 'ha'],
  [/Balloon|Swap|PagesShared|MemoryState|Sharing|MemoryReclaim/, 'memory'],
  [/Imc/, 'imc'],
  [/^Migration|Evacuation/, 'migration'],
  [/Refused|Rejected/, 'refusal'],
  [/Placement|VmPlaced|VmRelocated/, 'placement'],
  [/^Invariant/, 'invariant'],
  [/^RuleCompliance/, 'rules'],
];

export function auditAction(type: string): string | null {
  return ACTIONS.find(([re]) => re.test(type))?.[1] ?? null;
}

@ApiTags('replay')
@Controller('audit')
export class AuditController {
  constructor(private readonly ctx: ServiceContext) {}

  @Get()
  @QueryDoc(AuditQuery)
  async list(@Query(zodPipe(AuditQuery, 'query')) q: z.infer<typeof AuditQuery>) {
    const items: ReturnType<typeof toAuditItem>[] = [];
    let after = q.after;
    let last = after;
    while (items.length < q.limit) {
      const page = await this.ctx.store.readAll(after, 2000, { vmId: q.vm, hostId: q.host });
      if (page.length === 0) break;
      for (const e of page) {
        last = e.position;
        const sim = e.metadata.simTime ?? 0;
        if (q.to !== undefined && sim > q.to) return { items, nextCursor: null };
        if (q.from !== undefined && sim < q.from) continue;
        const action = auditAction(e.type);
        if (action && (q.whyNot !== 'true' || WHY_NOT.has(e.type))) items.push(toAuditItem(e, action));
        if (items.length >= q.limit) break;
      }
      after = page[page.length - 1].position;
    }
    return { items, nextCursor: items.length >= q.limit ? String(last) : null };
  }
}

/** events that record what an automatic decision did not do, and why */
const WHY_NOT = new Set(['VmRestartNotAttempted', 'VmRestartWaiting', 'HaUnprotectedVmsChanged', 'DpmHostPowerOffHeld', 'DrsMovesAwaitOperator']);

const ACRONYMS: Record<string, string> = { Vm: 'VM', Vms: 'VMs', Drs: 'DRS', Dpm: 'DPM', Ha: 'HA', Imc: 'IMC', Numa: 'NUMA' };
/** `VmRestartNotAttempted` -> `VM restart not attempted` */
const words = (type: string) => type.split(/(?=[A-Z])/).map((w, i) => ACRONYMS[w] ?? (i === 0 ? w : w.toLowerCase())).join(' ');

/** one sentence for a person: the event's own reason where it has one, else its type in words and what it is about */
export function auditSentence(type: string, d: Record<string, unknown>): string {
  if (typeof d.reason === 'string' && d.reason.includes(' ')) return d.reason;
  const about = [d.vmId && `VM ${d.vmId}`, d.fromHostId && `from ${d.fromHostId}`, (d.toHostId ?? d.hostId) && `${d.fromHostId ? 'to' : 'on'} ${d.toHostId ?? d.hostId}`]
    .filter(Boolean).join(' ');
  const rationale = d.rationale ?? d.reason;
  const why = typeof rationale === 'string' ? rationale
    : rationale && typeof rationale === 'object' && typeof (rationale as { reason?: unknown }).reason === 'string' ? (rationale as { reason: string }).reason : null;
  return `${words(type)}${about ? ` (${about})` : ''}${why ? `: ${why}` : ''}`;
}

/** one audit entry; `hostId` of a move (VmRelocated, a DRS recommendation) is where the VM went, `fromHostId` where it left */
export function toAuditItem(e: RecordedEvent, action: string) {
  const d = (e.data ?? {}) as Record<string, unknown>;
  return {
    position: e.position, simTime: e.metadata.simTime ?? null, type: e.type, action,
    vmId: d.vmId ?? null, hostId: d.hostId ?? d.toHostId ?? d.fromHostId ?? null, fromHostId: d.fromHostId ?? null,
    rationale: d.rationale ?? d.reason ?? null,
    sentence: auditSentence(e.type, d), whyNot: WHY_NOT.has(e.type),
    correlationId: e.metadata.correlationId ?? null, causationId: e.metadata.causationId ?? null,
    data: e.data,
  };
}
