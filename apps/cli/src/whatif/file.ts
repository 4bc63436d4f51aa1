// A what-if file (B5): a B4 scenario (cluster, hosts, VMs, rules, timeline) plus `whatif: {seconds, at?}` and
// `variants: [{name, changes}]`. The scenario's setup builds the cluster on the live installation; its timeline
// becomes the steps every fork runs (baseline and variants alike). Pure: text in, plan and request out.
import { Document, parseDocument } from 'yaml';
import { parseScenario, type PlanStep, type ScenarioIssue, type ScenarioPlan } from '../scenario/plan.js';

export interface WhatIfFile {
  plan: ScenarioPlan;
  seconds: number;
  at?: number;
  variants: { name: string; changes: unknown[] }[];
  steps: { at: number; do: Record<string, unknown> }[];
}

/** the timeline actions a fork can replay, as the what-if API spells them */
function toChange(step: PlanStep): Record<string, unknown> | string {
  const a = step.action;
  switch (a.type) {
    case 'fault': return { fault: a.host ? { host: a.host, kind: a.kind } : { vm: a.vm, kind: a.kind } };
    case 'recover': return { recover: { host: a.host } };
    case 'maintenance': return { maintenance: { host: a.host, enter: a.enter } };
    case 'policy': return { policy: a.patch };
    case 'power': return a.host ? { power: { host: a.host, on: a.on } } : 'the VM power step';
    default: return `the ${a.type} step`;
  }
}

export function parseWhatIf(text: string): { file?: WhatIfFile; issues: ScenarioIssue[] } {
  const doc = parseDocument(text);
  const raw = (doc.toJS() ?? {}) as Record<string, unknown>;
  const { whatif, variants, ...scenario } = raw;
  const issues: ScenarioIssue[] = [];
  const w = (whatif ?? {}) as { seconds?: unknown; at?: unknown };
  if (typeof w.seconds !== 'number' || !Number.isInteger(w.seconds) || w.seconds < 10) issues.push({ path: ['whatif', 'seconds'], message: 'seconds of simulated time to run (an integer, at least 10)' });
  if (w.at !== undefined && (typeof w.at !== 'number' || w.at < 0)) issues.push({ path: ['whatif', 'at'], message: 'a log position' });
  if (!Array.isArray(variants) || variants.length === 0) issues.push({ path: ['variants'], message: 'at least one variant: {name, changes: [...]}' });
  const parsed = parseScenario(new Document(scenario).toString());
  issues.push(...parsed.issues);
  if (!parsed.plan || issues.length) return { issues };
  const steps: WhatIfFile['steps'] = [];
  for (const s of parsed.plan.steps) {
    if (s.action.type === 'advance' || s.action.type === 'expect') continue; // time is the fork's `at`; expectations are the table
    const change = toChange(s);
    if (typeof change === 'string') issues.push({ path: ['timeline', s.index], message: `${change} cannot run in a what-if (fault, recover, maintenance, host power and policy can)` });
    else steps.push({ at: s.at, do: change });
  }
  if (issues.length) return { issues };
  return {
    issues,
    file: {
      plan: { ...parsed.plan, steps: [] }, seconds: w.seconds as number, ...(w.at === undefined ? {} : { at: w.at as number }),
      variants: (variants as { name: string; changes?: unknown[] }[]).map((v) => ({ name: v.name, changes: v.changes ?? [] })), steps,
    },
  };
}
