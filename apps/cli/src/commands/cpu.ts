// virtsim cpu: the CPU chapter (P2, C5). `instructions` prints the catalogue (classes, the x86 virtualization
// hole); `modes <host>` runs an instruction mix on a host under every mode and compares traps, exits, cycles.
import { Command } from 'commander';
import { act, readSpec } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format.js';

interface Catalogue {
  arch: string; classicallyVirtualizable: boolean; why: string;
  classes: Record<string, { mnemonic: string }[]>; sensitiveUnprivileged: { count: number; mnemonics: string[] };
}
interface Totals {
  traps: number; vmExits: number; vmLaunches: number; vmResumes: number; hypercalls: number; wrongResults: number;
  timerInterrupts: number; cycles: number; nativeCycles: number; overheadPercent: number;
}
type ModeResult = { totals: Totals } | { refused: { rule?: string; message: string } };

/** `LGDT=10,ADD=1000` -> {LGDT: 10, ADD: 1000} */
export function parseCounts(text: string, flag: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][\w-]*)=(\d+)$/.exec(part);
    if (!m) throw new UsageError(`${flag}: "${part}" is not INSTRUCTION=COUNT (e.g. ${flag} LGDT=10,ADD=1000)`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function cpuCommand(): Command {
  const c = new Command('cpu').description('the CPU virtualization model: instruction catalogue, a mix run under every mode');
  c.command('instructions')
    .description('instruction classes per architecture and the sensitive-but-unprivileged ones (the x86 hole)')
    .option('--arch <arch>', 'x86 or powerpc (default: both)')
    .addHelpText('after', '\nExample:\n  virtsim cpu instructions --arch x86')
    .action(act(async (ctx, o: { arch?: string }) => {
      const r = await (await ctx.client()).get<{ items: Catalogue[] }>('/cpu/instructions', { arch: o.arch });
      ctx.emit(r, () => r.items.map((a) => [
        `${a.arch}: ${a.classicallyVirtualizable ? 'classically virtualizable' : 'NOT classically virtualizable'}: ${a.why}`,
        formatTable(Object.entries(a.classes).map(([cls, list]) => ({ cls, n: list.length, mnemonics: list.map((i) => i.mnemonic).join(' ') })), [
          { header: 'class', key: 'cls' }, { header: 'count', key: 'n', align: 'right' }, { header: 'instructions', key: 'mnemonics', maxWidth: 100 },
        ]),
      ].join('\n')).join('\n\n'));
    }));
  c.command('modes <host>')
    .description('run an instruction mix on a host under every mode: traps, VM exits and entries, hypercalls, wrong results, cycles')
    .option('--kernel <counts>', 'guest kernel instructions, INSTRUCTION=COUNT,... (mnemonics or class names)')
    .option('--user <counts>', 'ring-3 instructions (ordinary only)')
    .option('--timer <n>', 'timer interrupts delivered meanwhile')
    .option('--guest <family>', 'linux or windows', 'linux')
    .option('-f, --file <mix.yaml>', 'the mix as a file: {kernel: {...}, user: {...}, timerInterrupts: n}')
    .addHelpText('after', '\nExamples:\n  virtsim cpu modes esx01 --kernel LGDT=10,POPF=20,OUT=5,ADD=1000 --timer 10\n  virtsim cpu modes esx01 -f mix.yaml --guest windows')
    .action(act(async (ctx, host: string, o: { kernel?: string; user?: string; timer?: string; guest: string; file?: string }) => {
      const mix: Record<string, unknown> = o.file ? (await readSpec(o.file)) as Record<string, unknown> : {};
      if (o.kernel) mix.kernel = parseCounts(o.kernel, '--kernel');
      if (o.user) mix.user = parseCounts(o.user, '--user');
      if (o.timer !== undefined) {
        if (!/^\d+$/.test(o.timer)) throw new UsageError('--timer takes a count');
        mix.timerInterrupts = Number(o.timer);
      }
      if (!mix.kernel) throw new UsageError('give the kernel mix: --kernel INSTRUCTION=COUNT,... or --file');
      const client = await ctx.client();
      const r = await client.post<{ hostId: string; hostMode: string; modes: Record<string, ModeResult> }>(`/hosts/${encodeURIComponent(host)}/cpu-modes`, { mix, guestFamily: o.guest });
      ctx.emit(r, () => `host ${r.hostId} (runs ${r.hostMode})\n` + formatTable(Object.entries(r.modes).map(([mode, m]) => ({ mode, ...('totals' in m ? m.totals : { refused: m.refused.message }) })), [
        { header: 'mode', key: 'mode' },
        { header: 'traps', key: 'traps', align: 'right' }, { header: 'VM exits', key: 'vmExits', align: 'right' },
        { header: 'entries (launch+resume)', get: (x) => ('vmLaunches' in x ? `${x.vmLaunches}+${x.vmResumes}` : null), align: 'right' },
        { header: 'hypercalls', key: 'hypercalls', align: 'right' }, { header: 'wrong', key: 'wrongResults', align: 'right' },
        { header: 'cycles', key: 'cycles', align: 'right' },
        { header: 'overhead %', get: (x) => ('overheadPercent' in x ? x.overheadPercent : null), align: 'right' },
        { header: 'refused', key: 'refused', maxWidth: 80 },
      ]));
    }));
  return c;
}
