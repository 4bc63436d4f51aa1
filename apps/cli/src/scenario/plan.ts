// Scenario parsing, validation and expansion into a plan (pure: text in, plan or errors out).
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { ClusterPatch, ClusterSpec, HostSpec, RuleSpec, VmSpec } from '@virtsim/contracts';
import type { z } from 'zod';
import { ScenarioFile, ACTIONS, type Group, type Step } from './schema.js';
import type { Expectation } from './expect.js';
import { formatDuration } from '../simtime.js';

export type Path = (string | number)[];

export interface ScenarioIssue {
  path: Path;
  message: string;
  line?: number;
  col?: number;
}

export type StepAction =
  | { type: 'advance'; seconds: number }
  | { type: 'fault'; host?: string; vm?: string; kind: string }
  | { type: 'recover'; host: string }
  | { type: 'migrate'; vm: string; to?: string; live: boolean }
  | { type: 'maintenance'; host: string; enter: boolean }
  | { type: 'power'; host?: string; vm?: string; on?: boolean; action?: string }
  | { type: 'applyDrs' }
  | { type: 'policy'; patch: Record<string, unknown> }
  | { type: 'expect'; expect: Expectation };

export interface PlanStep {
  index: number;
  /** seconds after the scenario's start */
  at: number;
  line?: number;
  name?: string;
  expectError?: true | number;
  action: StepAction;
}

export interface ScenarioPlan {
  name: string;
  description?: string;
  seed: number;
  cluster: Record<string, unknown>;
  hosts: { name: string; spec: Record<string, unknown> }[];
  /** VM specs without clusterId (added at run time) */
  vms: { name: string; spec: Record<string, unknown> }[];
  rules: { name: string; kind: string; vms: string[]; hosts?: string[] }[];
  steps: PlanStep[];
}

export interface ParseResult {
  plan?: ScenarioPlan;
  issues: ScenarioIssue[];
}

/** Expands a name pattern: {n} -> 7, {n:03} -> 007. */
export function expandName(pattern: string, n: number): string {
  return pattern.replace(/\{n(?::0?(\d+))?\}/g, (_, width: string | undefined) => (width ? String(n).padStart(Number(width), '0') : String(n)));
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, everything else (arrays included) is replaced. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/** Resolves names or glob patterns (* and ?) against known names, in the known names' order. */
export function resolveRefs(patterns: string[], known: string[]): { names: string[]; unknown: string[] } {
  const names: string[] = [];
  const unknown: string[] = [];
  for (const p of patterns) {
    if (/[*?]/.test(p)) {
      const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      const hits = known.filter((k) => re.test(k));
      if (hits.length === 0) unknown.push(p);
      for (const h of hits) if (!names.includes(h)) names.push(h);
    } else if (known.includes(p)) {
      if (!names.includes(p)) names.push(p);
    } else {
      unknown.push(p);
    }
  }
  return { names, unknown };
}

/** Finds the line and column (1-based) of the node at a path, or of its nearest existing parent. */
export function locate(doc: Document, lc: LineCounter, path: Path): { line?: number; col?: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : (doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      const { line, col } = lc.linePos(range[0]);
      return { line, col };
    }
    // a map key without a value: look for the key itself in its parent map
    if (n > 0 && node === undefined) {
      const parent = n - 1 === 0 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[n - 1]);
        const kr = (pair?.key as { range?: [number, number, number] } | null)?.range;
        if (kr) return lc.linePos(kr[0]);
      }
    }
  }
  return {};
}

export function formatIssue(file: string, i: ScenarioIssue): string {
  const where = i.line ? `${file}:${i.line}:${i.col ?? 1}` : file;
  const path = i.path.length ? i.path.map((p, k) => (typeof p === 'number' ? `[${p}]` : k ? `.${p}` : p)).join('') : '(file)';
  return `${where}: ${path}: ${i.message}`;
}

function zodIssues(error: z.ZodError, prefix: Path): ScenarioIssue[] {
  return error.issues.map((iss) => {
    const path = [...prefix, ...(iss.path as Path)];
    let message = iss.message;
    if (iss.code === 'unrecognized_keys') message = `unknown field(s): ${(iss as { keys: string[] }).keys.join(', ')}`;
    return { path, message };
  });
}

/** Parses, validates and expands a scenario. Issues carry YAML lines when known. */
export function parseScenario(text: string): ParseResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      issues: doc.errors.map((e) => ({ path: [], message: e.message.split('\n')[0]!, line: e.linePos?.[0]?.line, col: e.linePos?.[0]?.col })),
    };
  }
  const raw = doc.toJS() as unknown;
  const issues: ScenarioIssue[] = [];
  const withLines = (list: ScenarioIssue[]) => list.map((i) => (i.line ? i : { ...i, ...locate(doc, lc, i.path) }));

  if (!isPlainObject(raw)) return { issues: withLines([{ path: [], message: 'a scenario is a YAML mapping (seed, cluster, hosts, vms, rules, timeline)' }]) };
  const parsed = ScenarioFile.safeParse(raw);
  if (!parsed.success) return { issues: withLines(zodIssues(parsed.error, [])) };
  const s = parsed.data;

  // cluster
  const clusterBody: Record<string, unknown> = { seed: s.seed, ...s.cluster };
  const cl = ClusterSpec.safeParse(clusterBody);
  if (!cl.success) issues.push(...zodIssues(cl.error, ['cluster']));

  // hosts and VMs
  const expand = (kind: 'hosts' | 'vms', groups: Group[], validate: (spec: Record<string, unknown>) => z.ZodSafeParseResult<unknown>) => {
    const out: { name: string; spec: Record<string, unknown> }[] = [];
    const seen = new Map<string, Path>();
    groups.forEach((g, gi) => {
      const { name, count, start, template, ...overrides } = g;
      let base: Record<string, unknown> = {};
      let templatePath: Path = [kind, gi, 'template'];
      if (typeof template === 'string') {
        const t = s.templates[template];
        if (!t) {
          issues.push({ path: [kind, gi, 'template'], message: `unknown template "${template}" (known: ${Object.keys(s.templates).join(', ') || 'none'})` });
          return;
        }
        base = t;
        templatePath = ['templates', template];
      } else if (template) {
        base = template;
      }
      const merged = deepMerge(base, overrides);
      if (count > 1 && !/\{n(:0?\d+)?\}/.test(name)) {
        issues.push({ path: [kind, gi, 'name'], message: `count is ${count}: the name needs {n} (e.g. "${name}-{n:02}")` });
        return;
      }
      let reported = false;
      for (let i = 0; i < count; i++) {
        const n = start + i;
        const vmName = expandName(name, n);
        const spec = { ...merged, name: vmName };
        const prev = seen.get(vmName);
        if (prev) {
          issues.push({ path: [kind, gi, 'name'], message: `duplicate name "${vmName}" (also made by ${kind}[${prev[1]}])` });
          return;
        }
        seen.set(vmName, [kind, gi]);
        const r = reported ? { success: true as const } : validate(spec);
        if (!r.success) {
          reported = true; // one report per group; its names stay known so references do not cascade
          for (const iss of r.error.issues) {
            const p = iss.path as Path;
            const first = p[0];
            const prefix: Path = first === 'name' ? [kind, gi] : typeof first === 'string' && first in overrides ? [kind, gi] : templatePath;
            const [one] = zodIssues({ issues: [iss] } as z.ZodError, prefix);
            issues.push({ ...one!, message: `${one!.message} (in ${kind === 'hosts' ? 'host' : 'VM'} ${vmName})` });
          }
        }
        out.push({ name: vmName, spec });
      }
    });
    return out;
  };
  const hosts = expand('hosts', s.hosts, (spec) => HostSpec.safeParse(spec));
  const vms = expand('vms', s.vms, (spec) => VmSpec.safeParse({ ...spec, clusterId: 'scenario' }));
  const hostNames = hosts.map((h) => h.name);
  const vmNames = vms.map((v) => v.name);

  const refs = (patterns: string[], kind: 'host' | 'vm', path: Path): string[] => {
    const r = resolveRefs(patterns, kind === 'host' ? hostNames : vmNames);
    for (const u of r.unknown) issues.push({ path, message: `no ${kind === 'host' ? 'host' : 'VM'} named "${u}" in this scenario` });
    return r.names;
  };
  const ref1 = (name: string, kind: 'host' | 'vm', path: Path): string => {
    if (/[*?]/.test(name)) {
      issues.push({ path, message: `a step names one ${kind === 'host' ? 'host' : 'VM'}; patterns are for rules` });
      return name;
    }
    refs([name], kind, path);
    return name;
  };

  // rules
  const rules = s.rules.map((r, ri) => {
    const rv = refs(r.vms, 'vm', ['rules', ri, 'vms']);
    const rh = r.hosts ? refs(r.hosts, 'host', ['rules', ri, 'hosts']) : undefined;
    const needsHosts = r.kind.startsWith('vm-host');
    if (needsHosts && !r.hosts?.length) issues.push({ path: ['rules', ri, 'kind'], message: `a ${r.kind} rule needs hosts` });
    if (!needsHosts && r.hosts) issues.push({ path: ['rules', ri, 'hosts'], message: `a ${r.kind} rule takes no hosts` });
    const check = RuleSpec.safeParse({ name: r.name, kind: r.kind, vms: rv.length ? rv : ['x'], hosts: rh });
    if (!check.success) issues.push(...zodIssues(check.error, ['rules', ri]));
    return { name: r.name, kind: r.kind, vms: rv, hosts: rh };
  });

  // timeline
  const steps: PlanStep[] = [];
  let at = 0;
  s.timeline.forEach((st: Step, si) => {
    const p: Path = ['timeline', si];
    if (st.at !== undefined) {
      if (st.at < at) issues.push({ path: [...p, 'at'], message: `steps must be in time order: ${formatDuration(st.at)} comes after ${formatDuration(at)}` });
      at = Math.max(at, st.at);
    }
    const kind = ACTIONS.find((a) => st[a] !== undefined)!;
    let action: StepAction;
    switch (kind) {
      case 'advance':
        action = { type: 'advance', seconds: st.advance! };
        break;
      case 'fault': {
        const f = st.fault!;
        action = f.host
          ? { type: 'fault', host: ref1(f.host, 'host', [...p, 'fault', 'host']), kind: f.kind }
          : { type: 'fault', vm: ref1(f.vm!, 'vm', [...p, 'fault', 'vm']), kind: f.kind };
        break;
      }
      case 'recover':
        action = { type: 'recover', host: ref1(st.recover!.host, 'host', [...p, 'recover', 'host']) };
        break;
      case 'migrate': {
        const m = st.migrate!;
        action = { type: 'migrate', vm: ref1(m.vm, 'vm', [...p, 'migrate', 'vm']), to: m.to ? ref1(m.to, 'host', [...p, 'migrate', 'to']) : undefined, live: m.live };
        break;
      }
      case 'maintenance':
        action = { type: 'maintenance', host: ref1(st.maintenance!.host, 'host', [...p, 'maintenance', 'host']), enter: st.maintenance!.enter };
        break;
      case 'power': {
        const w = st.power!;
        action = w.host
          ? { type: 'power', host: ref1(w.host, 'host', [...p, 'power', 'host']), on: w.on }
          : { type: 'power', vm: ref1(w.vm!, 'vm', [...p, 'power', 'vm']), action: w.action };
        break;
      }
      case 'applyDrs':
        action = { type: 'applyDrs' };
        break;
      case 'policy': {
        const check = ClusterPatch.safeParse(st.policy);
        if (!check.success) issues.push(...zodIssues(check.error, [...p, 'policy']));
        action = { type: 'policy', patch: st.policy! };
        break;
      }
      case 'expect': {
        const e = st.expect!;
        for (const h of Object.keys(e.onHost ?? {})) ref1(h, 'host', [...p, 'expect', 'onHost', h]);
        for (const v of Object.keys(e.vmStates ?? {})) ref1(v, 'vm', [...p, 'expect', 'vmStates', v]);
        for (const [v, h] of Object.entries(e.vmHosts ?? {})) {
          ref1(v, 'vm', [...p, 'expect', 'vmHosts', v]);
          ref1(h.replace(/^!/, ''), 'host', [...p, 'expect', 'vmHosts', v]);
        }
        action = { type: 'expect', expect: e };
        break;
      }
    }
    steps.push({ index: si + 1, at, line: locate(doc, lc, p).line, name: st.name, expectError: st.expectError, action });
    if (action.type === 'advance') at += action.seconds; // the next step (without at) runs after it
  });

  if (issues.length) return { issues: withLines(issues) };
  return {
    issues: [],
    plan: {
      name: s.name ?? String(s.cluster.name ?? 'scenario'),
      description: s.description,
      seed: s.seed,
      cluster: clusterBody,
      hosts,
      vms,
      rules,
      steps,
    },
  };
}

/** One-line description of a step's action. */
export function describeAction(a: StepAction): string {
  switch (a.type) {
    case 'advance': return `advance ${formatDuration(a.seconds)}`;
    case 'fault': return a.host ? `fault host ${a.host} ${a.kind}` : `fault vm ${a.vm} ${a.kind}`;
    case 'recover': return `recover host ${a.host}`;
    case 'migrate': return `migrate vm ${a.vm}${a.to ? ` to ${a.to}` : ''}${a.live ? ' (live)' : ' (cold)'}`;
    case 'maintenance': return `${a.enter ? 'enter' : 'exit'} maintenance on ${a.host}`;
    case 'power': return a.host ? `power ${a.on ? 'on' : 'off'} host ${a.host}` : `${a.action} vm ${a.vm}`;
    case 'applyDrs': return 'apply DRS recommendations';
    case 'policy': return `cluster policy ${Object.keys(a.patch).join(', ')}`;
    case 'expect': return 'expect';
  }
}

/** Short text of what a plan will do (for --dry-run and scenario validate). */
export function describePlan(plan: ScenarioPlan): string {
  const lines = [
    `scenario ${plan.name} (seed ${plan.seed})${plan.description ? `: ${plan.description}` : ''}`,
    `cluster ${String(plan.cluster.name)}: ${plan.hosts.length} host(s), ${plan.vms.length} VM(s), ${plan.rules.length} rule(s), ${plan.steps.length} step(s)`,
  ];
  for (const st of plan.steps) lines.push(`  ${formatDuration(st.at).padStart(8)}  #${st.index} ${st.name ? `${st.name}: ` : ''}${describeAction(st.action)}`);
  return lines.join('\n');
}
