// Runs a scenario plan against a server: builds the cluster, hosts, VMs and rules,
// walks the timeline on the simulated clock and collects a summary.
// Deterministic by construction: one request at a time, in plan order; the clock only
// moves where the plan says (never while waiting for a task).
import type { ApiClient } from '../http.js';
import { ApiError } from '../http.js';
import { CliError } from '../errors.js';
import { settle, isTask } from '../tasks.js';
import { readEvents } from '../read-events.js';
import { countBy } from '../format.js';
import { vmHostId, type Rec } from '../inventory.js';
import { evaluateExpectation, type CheckResult, type Snapshot } from './expect.js';
import { describeAction, type PlanStep, type ScenarioPlan } from './plan.js';

export interface StepResult {
  index: number;
  at: number;
  simTime: number;
  label: string;
  ok: boolean;
  detail?: string;
  checks?: CheckResult[];
}

export interface ScenarioSummary {
  name: string;
  seed: number;
  clusterId: string;
  ok: boolean;
  startSimTime: number;
  endSimTime: number;
  startPosition: number;
  position: number;
  hash: string;
  hosts: number;
  vms: number;
  steps: StepResult[];
  vmsByState: Record<string, number>;
  vmsByHost: Record<string, number>;
  hostsByState: Record<string, number>;
  migrations: number;
  haRestarts: number;
}

export interface RunOptions {
  progress: boolean;
  log: (line: string) => void;
  onStep?: (r: StepResult) => void;
  batchSize?: number;
}

const MIGRATION_DONE = ['MigrationCompleted'];
const HA_RESTARTS = ['VmRestarted', 'VmRestartedInPlace'];

interface Ids {
  clusterId: string;
  hosts: Map<string, string>; // name -> id
  vms: Map<string, string>;
}

function idOf(v: unknown, ...keys: string[]): string | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Rec;
  for (const k of ['id', ...keys]) if (typeof o[k] === 'string') return o[k] as string;
  for (const nested of ['cluster', 'host', 'vm']) if (o[nested] && typeof o[nested] === 'object') return idOf(o[nested], ...keys);
  return undefined;
}

async function clock(client: ApiClient): Promise<number> {
  const c = await client.get<{ simTime: number }>('/sim/clock');
  return Number(c.simTime ?? 0);
}

async function countEvents(client: ApiClient, after: number, types: string[], vmIds: Set<string>): Promise<number> {
  let n = 0;
  for (const type of types) {
    for await (const page of readEvents(client, { after, type })) {
      n += page.filter((e) => e.type === type && vmIds.has(String(e.data?.vmId))).length;
    }
  }
  return n;
}

/** the invariants breached now (GET /invariants, B6) */
export async function violatedInvariants(client: ApiClient): Promise<string[]> {
  const r = await client.get<{ invariants: { id: string; status: string }[] }>('/invariants');
  return (r.invariants ?? []).filter((i) => i.status !== 'holds').map((i) => i.id);
}

async function snapshot(client: ApiClient, ids: Ids, startPosition: number): Promise<Snapshot & { raw: { vms: Rec[]; hosts: Rec[] } }> {
  const [vms, hosts] = [
    await client.list<Rec>('/vms', { clusterId: ids.clusterId }),
    await client.list<Rec>('/hosts', { clusterId: ids.clusterId }),
  ];
  const hostName = new Map(hosts.map((h) => [String(h.id), String(h.name ?? h.id)]));
  const vmIds = new Set(ids.vms.values());
  const mine = vms.filter((v) => vmIds.has(String(v.id)));
  return {
    vms: mine.map((v) => {
      const h = vmHostId(v);
      return { name: String(v.name ?? v.id), state: String(v.state ?? 'unknown'), host: h ? (hostName.get(h) ?? h) : null };
    }),
    hosts: hosts.map((h) => ({ name: String(h.name ?? h.id), state: String(h.state ?? 'unknown') })),
    migrations: await countEvents(client, startPosition, MIGRATION_DONE, vmIds),
    haRestarts: await countEvents(client, startPosition, HA_RESTARTS, vmIds),
    raw: { vms: mine, hosts },
  };
}

function describeAnswer(answer: unknown): string {
  if (isTask(answer)) return `task ${answer.id} ${answer.state}`;
  if (answer && typeof answer === 'object') {
    const o = answer as Rec;
    if (typeof o.state === 'string') return `state ${o.state}`;
  }
  return 'ok';
}

async function runStep(client: ApiClient, step: PlanStep, ids: Ids, startPosition: number): Promise<{ detail: string; checks?: CheckResult[] }> {
  const a = step.action;
  const host = (name: string) => encodeURIComponent(ids.hosts.get(name) ?? name);
  const vm = (name: string) => encodeURIComponent(ids.vms.get(name) ?? name);
  switch (a.type) {
    case 'advance': {
      await client.post('/sim/advance', { seconds: a.seconds });
      return { detail: 'ok' };
    }
    case 'fault':
      return { detail: describeAnswer(a.host ? await client.post(`/hosts/${host(a.host)}/faults`, { kind: a.kind }) : await client.post(`/vms/${vm(a.vm!)}/faults`, { kind: a.kind })) };
    case 'recover':
      return { detail: describeAnswer(await client.post(`/hosts/${host(a.host)}/recover`, {})) };
    case 'migrate': {
      const body: Rec = { live: a.live };
      if (a.to) body.targetHostId = ids.hosts.get(a.to);
      return { detail: describeAnswer(await client.post(`/vms/${vm(a.vm)}/migrate`, body)) };
    }
    case 'maintenance':
      return { detail: describeAnswer(await client.post(`/hosts/${host(a.host)}/maintenance`, { enter: a.enter })) };
    case 'power':
      return {
        detail: describeAnswer(a.host ? await client.post(`/hosts/${host(a.host)}/power`, { on: a.on }) : await client.post(`/vms/${vm(a.vm!)}/power`, { action: a.action })),
      };
    case 'applyDrs': {
      const recs = await client.list<Rec>(`/clusters/${encodeURIComponent(ids.clusterId)}/drs/recommendations`);
      for (const r of recs) await client.post(`/clusters/${encodeURIComponent(ids.clusterId)}/drs/recommendations/${encodeURIComponent(String(r.id))}/apply`, {});
      return { detail: `${recs.length} recommendation(s) applied` };
    }
    case 'policy':
      return { detail: describeAnswer(await client.patch(`/clusters/${encodeURIComponent(ids.clusterId)}`, a.patch)) };
    case 'expect': {
      const snap = await snapshot(client, ids, startPosition);
      if (a.expect.invariants) snap.violated = await violatedInvariants(client);
      const checks = evaluateExpectation(a.expect, snap);
      const failed = checks.filter((c) => !c.ok);
      return { detail: failed.length ? `${failed.length} of ${checks.length} check(s) failed` : `${checks.length} check(s) passed`, checks };
    }
  }
}

export async function runScenario(client: ApiClient, plan: ScenarioPlan, opts: RunOptions): Promise<ScenarioSummary> {
  const wait = { progress: opts.progress, timeoutMs: 10 * 60_000 };
  const startSimTime = await clock(client);
  const startPosition = Number((await client.get<{ position: number }>('/state/hash')).position ?? 0);

  // cluster
  opts.log(`creating cluster ${String(plan.cluster.name)}`);
  const cluster = await settle(client, await client.post('/clusters', plan.cluster, { wait: true }), { ...wait, label: 'cluster' });
  const clusterId = idOf(cluster, 'clusterId');
  if (!clusterId) throw new CliError(`POST /clusters answered without an id: ${JSON.stringify(cluster).slice(0, 200)}`);
  const ids: Ids = { clusterId, hosts: new Map(), vms: new Map() };
  const cid = encodeURIComponent(clusterId);

  // hosts
  opts.log(`adding ${plan.hosts.length} host(s)`);
  for (const h of plan.hosts) {
    const res = await settle(client, await client.post(`/clusters/${cid}/hosts`, h.spec, { wait: true }), { ...wait, label: h.name });
    const id = idOf(res, 'hostId');
    if (id) ids.hosts.set(h.name, id);
  }
  for (const h of await client.list<Rec>('/hosts', { clusterId })) if (h.name && h.id) ids.hosts.set(String(h.name), String(h.id));
  const missingHosts = plan.hosts.filter((h) => !ids.hosts.has(h.name)).map((h) => h.name);
  if (missingHosts.length) throw new CliError(`hosts not found after creation: ${missingHosts.slice(0, 10).join(', ')}`);

  // VMs, in batches
  if (plan.vms.length) {
    opts.log(`creating ${plan.vms.length} VM(s)`);
    const size = opts.batchSize ?? 100;
    for (let i = 0; i < plan.vms.length; i += size) {
      const chunk = plan.vms.slice(i, i + size).map((v) => ({ ...v.spec, clusterId }));
      await settle(client, await client.post('/vms:batch', { vms: chunk }, { wait: true }), { ...wait, label: `VMs ${i + 1}-${i + chunk.length}` });
    }
    const mine = new Set(plan.vms.map((v) => v.name));
    for (const v of await client.list<Rec>('/vms', { clusterId })) if (mine.has(String(v.name)) && v.id) ids.vms.set(String(v.name), String(v.id));
    const missing = plan.vms.filter((v) => !ids.vms.has(v.name)).map((v) => v.name);
    if (missing.length) throw new CliError(`${missing.length} VM(s) not found after creation: ${missing.slice(0, 10).join(', ')}`);
  }

  // rules
  for (const r of plan.rules) {
    opts.log(`rule ${r.name} (${r.kind})`);
    await client.post(`/clusters/${cid}/rules`, {
      name: r.name,
      kind: r.kind,
      vms: r.vms.map((n) => ids.vms.get(n)!),
      ...(r.hosts ? { hosts: r.hosts.map((n) => ids.hosts.get(n)!) } : {}),
    });
  }

  // timeline
  const steps: StepResult[] = [];
  for (const step of plan.steps) {
    const now = await clock(client);
    const target = startSimTime + step.at;
    if (target > now) await client.post('/sim/advance', { seconds: target - now });
    const simTime = await clock(client);
    const label = `${step.name ? `${step.name}: ` : ''}${describeAction(step.action)}`;
    let result: StepResult;
    try {
      const r = await runStep(client, step, ids, startPosition);
      const checksOk = !r.checks || r.checks.every((c) => c.ok);
      result = step.expectError
        ? { index: step.index, at: step.at, simTime, label, ok: false, detail: `expected an error${step.expectError === true ? '' : ` ${step.expectError}`}, but it succeeded (${r.detail})` }
        : { index: step.index, at: step.at, simTime, label, ok: checksOk, detail: r.detail, checks: r.checks };
    } catch (err) {
      // an API refusal or a failed task is the step's outcome; anything else (server unreachable...) stops the run
      const stepError = err instanceof ApiError || (err instanceof CliError && err.message.startsWith('task '));
      if (!stepError) throw err;
      const status = err instanceof ApiError ? err.status : undefined;
      const firstLine = err.message.split('\n')[0]!;
      const expected = step.expectError === true || (step.expectError !== undefined && step.expectError === status);
      result = { index: step.index, at: step.at, simTime, label, ok: expected, detail: expected ? `refused as expected: ${firstLine}` : firstLine };
    }
    steps.push(result);
    opts.onStep?.(result);
  }

  // final state
  const snap = await snapshot(client, ids, startPosition);
  const hash = await client.get<{ position: number; hash: string }>('/state/hash');
  return {
    name: plan.name,
    seed: plan.seed,
    clusterId,
    ok: steps.every((s) => s.ok),
    startSimTime,
    endSimTime: await clock(client),
    startPosition,
    position: Number(hash.position),
    hash: String(hash.hash),
    hosts: snap.hosts.length,
    vms: snap.vms.length,
    steps,
    vmsByState: countBy(snap.vms, (v) => v.state),
    vmsByHost: countBy(snap.vms, (v) => v.host ?? '(none)'),
    hostsByState: countBy(snap.hosts, (h) => h.state),
    migrations: snap.migrations,
    haRestarts: snap.haRestarts,
  };
}
