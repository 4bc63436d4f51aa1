// virtsim whatif <file.yaml>: build the file's cluster (B4 setup), then fork it and run its timeline in the
// baseline and in every variant (POST /whatif), printing the side-by-side table.
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { act, type Ctx } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { formatIssue } from '../scenario/plan.js';
import { runScenario } from '../scenario/run.js';
import { parseWhatIf } from '../whatif/file.js';

interface Job { id: string; state: string; progress: string; result: { table: (string | number)[][]; columns: { name: string; hash: string }[] } | null; error: { message: string } | null }

const POLL_MS = 1000;

export function whatifCommand(): Command {
  return new Command('whatif')
    .description('fork the system, run a timeline under the baseline and each variant of a YAML file, print them side by side')
    .argument('<file>', 'a B4 scenario plus whatif: {seconds} and variants: [{name, changes}]')
    .option('--no-setup', 'fork the installation as it is (skip the file\'s cluster, hosts and VMs)')
    .action(act(async (ctx: Ctx, file: string, o: { setup: boolean }) => {
      let text: string;
      try { text = await readFile(file, 'utf8'); } catch (err) { throw new UsageError(`cannot read ${file}: ${(err as Error).message}`); }
      const parsed = parseWhatIf(text);
      if (!parsed.file) throw new UsageError(`${file}: ${parsed.issues.length} problem(s)`, parsed.issues.map((i) => formatIssue(file, i)));
      const f = parsed.file;
      const client = await ctx.client();
      if (o.setup) await runScenario(client, f.plan, { progress: ctx.progress, batchSize: 100, log: (line) => ctx.info(`- ${line}`), onStep: () => {} });
      let job = await client.post<Job>('/whatif', { seconds: f.seconds, steps: f.steps, variants: f.variants, ...(f.at === undefined ? {} : { at: f.at }) });
      let said = '';
      while (job.state === 'queued' || job.state === 'running') {
        if (job.progress !== said) { ctx.info(`- ${job.progress}`); said = job.progress; }
        await new Promise((r) => setTimeout(r, POLL_MS));
        job = await client.get<Job>(`/whatif/${encodeURIComponent(job.id)}`);
      }
      if (job.state !== 'succeeded' || !job.result) throw new CliError(`what-if ${job.id} failed: ${job.error?.message ?? job.state}`, 1);
      ctx.emit(job.result, () => renderTable(job.result!.table));
    }));
}

/** rows as an aligned text table: the first row is the header, the first column the metric */
export function renderTable(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
