// scenario run / validate, config show.
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { act, int, type Ctx } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { describePlan, formatIssue, parseScenario, type ScenarioPlan } from '../scenario/plan.js';
import { runScenario } from '../scenario/run.js';
import { formatStep, formatSummary } from '../scenario/summary.js';
import { maskToken } from '../config.js';

async function loadPlan(file: string): Promise<ScenarioPlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const r = parseScenario(text);
  if (!r.plan) throw new UsageError(`${file}: ${r.issues.length} problem(s) in the scenario`, r.issues.map((i) => formatIssue(file, i)));
  return r.plan;
}

export function scenarioCommand(): Command {
  const c = new Command('scenario').description('B4 scenarios: a YAML file of hosts, VMs, rules and a timeline of steps');
  c.command('validate <file>')
    .description('check a scenario file (no server needed) and show its plan')
    .action(act(async (ctx: Ctx, file: string) => {
      const plan = await loadPlan(file);
      ctx.emit(plan, () => `${describePlan(plan)}\nvalid`);
    }));
  c.command('run <file>')
    .description('build the cluster, create the VMs, walk the timeline, print a summary; exits 1 when a step or expectation fails')
    .option('--dry-run', 'validate and show the plan only')
    .option('--batch-size <n>', 'VMs per POST /vms:batch', int('--batch-size'), 100)
    .action(act(async (ctx: Ctx, file: string, o: { dryRun?: boolean; batchSize: number }) => {
      const plan = await loadPlan(file);
      if (o.dryRun) return ctx.emit(plan, () => describePlan(plan));
      const client = await ctx.client();
      const summary = await runScenario(client, plan, {
        progress: ctx.progress,
        batchSize: o.batchSize,
        log: (line) => ctx.info(`- ${line}`),
        onStep: (r) => { if (!ctx.json) ctx.out(formatStep(r)); },
      });
      ctx.emit(summary, () => `\n${formatSummary(summary)}`);
      if (!summary.ok) throw new CliError(`scenario ${plan.name}: ${summary.steps.filter((s) => !s.ok).length} step(s) failed`, 1);
    }));
  return c;
}

export function configCommand(): Command {
  return new Command('config')
    .description('show where the URL and token come from')
    .action(act(async (ctx: Ctx) => {
      const c = await ctx.connection(false);
      const view = { url: c.url, apiBase: c.apiBase, urlSource: c.urlSource, token: maskToken(c.token), tokenSource: c.tokenSource };
      ctx.emit(view, () => [`url    ${c.url} (${c.urlSource})`, `api    ${c.apiBase}`, `token  ${view.token} (${c.tokenSource})`].join('\n'));
    }));
}
