import { deepMerge, describePlan, expandName, formatIssue, parseScenario, resolveRefs } from './plan.js';

const HOST = `
    cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: intel, model: Xeon, features: [vmx, ept] }
    memoryMiB: 65536
    hypervisor: { type: type1, mode: hardware-assisted }`;

const GOOD = `
name: demo
seed: 5
cluster:
  name: demo
  ha: { enabled: true }
templates:
  small:
    vcpus: 2
    memoryMiB: 2048
    guestOs: { family: linux, version: "9" }
    powerOn: true
hosts:
  - name: esx-{n:02}
    count: 3${HOST}
vms:
  - name: web-{n}
    count: 4
    template: small
  - name: db
    template: small
    memoryMiB: 8192
rules:
  - name: spread
    kind: vm-anti-affinity
    vms: [web-*]
  - name: db-pin
    kind: vm-host-should
    vms: [db]
    hosts: [esx-01]
timeline:
  - at: 1m
    fault: { host: esx-02, kind: power-loss }
  - advance: 5m
  - name: after
    expect: { vms: { running: 5 }, onHost: { esx-02: 0 }, haRestarts: ">= 1" }
  - at: 10m
    recover: { host: esx-02 }
`;

describe('parseScenario', () => {
  it('expands groups, templates and references into a plan', () => {
    const { plan, issues } = parseScenario(GOOD);
    expect(issues).toEqual([]);
    expect(plan!.cluster).toEqual({ seed: 5, name: 'demo', ha: { enabled: true } });
    expect(plan!.hosts.map((h) => h.name)).toEqual(['esx-01', 'esx-02', 'esx-03']);
    expect(plan!.hosts[0]!.spec).toMatchObject({ name: 'esx-01', memoryMiB: 65536 });
    expect(plan!.vms.map((v) => v.name)).toEqual(['web-1', 'web-2', 'web-3', 'web-4', 'db']);
    expect(plan!.vms[4]!.spec).toMatchObject({ vcpus: 2, memoryMiB: 8192, powerOn: true });
    expect(plan!.rules[0]).toEqual({ name: 'spread', kind: 'vm-anti-affinity', vms: ['web-1', 'web-2', 'web-3', 'web-4'], hosts: undefined });
    expect(plan!.steps.map((s) => [s.at, s.action.type])).toEqual([[60, 'fault'], [60, 'advance'], [360, 'expect'], [600, 'recover']]);
    expect(plan!.steps[0]!.line).toBe(35);
    expect(describePlan(plan!)).toContain('#3 after: expect');
  });

  it('reports problems with their line and field', () => {
    const bad = GOOD.replace('kind: power-loss', 'kind: melt').replace('memoryMiB: 8192', 'memoryMiB: 1').replace('vms: [web-*]', 'vms: [app-*]');
    const { plan, issues } = parseScenario(bad);
    expect(plan).toBeUndefined();
    const text = issues.map((i) => formatIssue('s.yaml', i));
    expect(text).toContain('s.yaml:36:34: timeline[0].fault.kind: a host fault kind is one of power-loss, network-isolation, hypervisor-crash');
    // the first pass (file structure) stops before specs are expanded
    expect(issues).toHaveLength(1);
    const second = parseScenario(GOOD.replace('memoryMiB: 8192', 'memoryMiB: 1').replace('vms: [web-*]', 'vms: [app-*]'));
    expect(second.issues.map((i) => formatIssue('s.yaml', i))).toEqual([
      's.yaml:25:16: vms[1].memoryMiB: Too small: expected number to be >=16 (in VM db)',
      's.yaml:29:10: rules[0].vms: no VM named "app-*" in this scenario',
    ]);
  });

  it('reports YAML syntax errors, one-action steps, time order and unknown names', () => {
    expect(parseScenario('a: [1\n').issues[0]!.line).toBeGreaterThan(0);
    const r = parseScenario(GOOD.replace('  - at: 10m\n    recover: { host: esx-02 }', '  - at: 30s\n    recover: { host: nope }\n    advance: 1m'));
    expect(r.issues.map((i) => i.message)).toEqual(['a step has one action, found advance and recover']);
    const t = parseScenario(GOOD.replace('  - at: 10m\n    recover: { host: esx-02 }', '  - at: 30s\n    recover: { host: nope }'));
    expect(t.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'timeline.3.at: steps must be in time order: 30s comes after 6m',
      'timeline.3.recover.host: no host named "nope" in this scenario',
    ]);
  });

  it('needs {n} when count > 1, known templates and unique names', () => {
    const r = parseScenario(GOOD.replace('name: esx-{n:02}', 'name: esx').replace('template: small\n    memoryMiB', 'template: big\n    memoryMiB'));
    expect(r.issues.map((i) => i.message).slice(0, 3)).toEqual([
      'count is 3: the name needs {n} (e.g. "esx-{n:02}")',
      'unknown template "big" (known: small)',
      'no VM named "db" in this scenario',
    ]);
    const dup = parseScenario(GOOD.replace('  - name: db\n', '  - name: web-2\n'));
    expect(dup.issues[0]!.message).toBe('duplicate name "web-2" (also made by vms[0])');
  });

  it('rejects unknown fields in cluster and specs', () => {
    const r = parseScenario(GOOD.replace('ha: { enabled: true }', 'ha: { enabled: true, colour: red }'));
    expect(r.issues.map((i) => [i.path.join('.'), i.message, i.line])).toEqual([['cluster.ha', 'unknown field(s): colour', 6]]);
  });
});

describe('helpers', () => {
  it('expandName', () => {
    expect(expandName('esx-{n:02}', 3)).toBe('esx-03');
    expect(expandName('vm-{n:3}-{n}', 7)).toBe('vm-007-7');
    expect(expandName('plain', 1)).toBe('plain');
  });
  it('deepMerge merges objects and replaces arrays', () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] })).toEqual({ a: { b: 1, c: 3 }, l: [9] });
  });
  it('resolveRefs matches globs in known order, reports unknown names', () => {
    expect(resolveRefs(['w-?', 'db', 'w-1', 'zz*'], ['db', 'w-1', 'w-2', 'w-10'])).toEqual({ names: ['w-1', 'w-2', 'db'], unknown: ['zz*'] });
  });
});
