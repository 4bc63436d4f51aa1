// virtsim invariants: each invariant (B6), whether it holds, since when it is breached and its last evidence;
// --at for a past position or simulated time; exits 1 when any is breached (for scripts and CI).
import { Command } from 'commander';
import { act } from '../context.js';
import { CliError } from '../errors.js';
import { formatTable } from '../format.js';
import { resolveAt } from './log.js';

interface InvariantLine {
  id: string; text: string; protects: string[]; status: string; since: number | null; openBreaches: number; breaches: number;
  subjects: string[]; lastEvidence: { detail: string; positions: number[]; position: number; simTime: number } | null;
}

export function invariantsCommand(): Command {
  return new Command('invariants')
    .description('the invariants watched on every event: status, since when breached, last evidence; exits 1 on a breach')
    .option('--at <when>', 'a past position (1200) or simulated time (t=300s, t=5m)')
    .action(act(async (ctx, o: { at?: string }) => {
      const client = await ctx.client();
      const at = await resolveAt(client, o.at);
      const r = await client.get<{ position: number; holds: boolean; invariants: InvariantLine[] }>('/invariants', { at: at.position });
      ctx.emit(r, () => [
        formatTable(r.invariants as unknown as Record<string, unknown>[], [
          { header: 'invariant', key: 'id' },
          { header: 'status', get: (i) => (i.status === 'holds' ? 'holds' : 'VIOLATED') },
          { header: 'since', get: (i) => (i.since === null ? null : `#${i.since}`), align: 'right' },
          { header: 'breaches', key: 'breaches', align: 'right' },
          { header: 'protects', get: (i) => (i.protects as string[]).join(' ') },
          { header: 'last evidence', get: (i) => evidenceLine(i as unknown as InvariantLine), maxWidth: 110 },
        ]),
        `position ${r.position}: ${r.holds ? 'every invariant holds' : `BREACHED: ${r.invariants.filter((i) => i.status !== 'holds').map((i) => i.id).join(', ')}`}`,
      ].join('\n'));
      if (!r.holds) throw new CliError('an invariant is breached', 1);
    }));
}

function evidenceLine(i: InvariantLine): string | null {
  const e = i.lastEvidence;
  if (!e) return null;
  return `${e.detail} (at ${e.simTime}s; events ${e.positions.map((p) => `#${p}`).join(' ')})`;
}
