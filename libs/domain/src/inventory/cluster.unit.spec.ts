import { clusterDecider } from './cluster.js';
import { IMC_LEVELS } from './imc.js';
import { clusterSpec, clusterWithHosts, createdVm, given, refusal, vmSpec } from './inventory.fixtures.js';
import { vmDecider } from './vm.js';
import { evolveInventory } from './view.js';

const decide = clusterDecider.decide;

describe('cluster decider', () => {
  it('creates a cluster with the contract defaults (cpu overcommit 4, seed 1)', () => {
    const events = decide({ type: 'CreateCluster', clusterId: 'c1', spec: clusterSpec() }, given([]));
    expect(events).toEqual([{ type: 'ClusterCreated', data: { clusterId: 'c1', spec: clusterSpec() } }]);
    const view = given(events as never);
    expect(view.clusters.c1).toMatchObject({ hostCount: 0, vmCount: 0, spec: { cpuOvercommitRatio: 4, seed: 1 } });
    expect(view.clusterNames.prod).toBe('c1');
  });

  it('a second cluster named prod is refused naming prod (cluster.name)', () => {
    const error = refusal(() => decide({ type: 'CreateCluster', clusterId: 'c2', spec: clusterSpec() }, given(clusterWithHosts(0))));
    expect(error.details.rule).toBe('cluster.name');
    expect(error.message).toContain("'prod'");
  });

  it('an unknown IMC level is invalid and lists the known ones', () => {
    const error = refusal(() => decide({ type: 'CreateCluster', clusterId: 'c1', spec: clusterSpec({ imcBaseline: { level: 'pentium4' } }) }, given([])));
    expect(error.code).toBe('invalid');
    expect(error.message).toContain('haswell');
  });

  it('a policy patch records only what changes: drs on, cpu ratio 4 -> 4 (unchanged) left out', () => {
    const view = given(clusterWithHosts(0));
    const patch = { drs: { enabled: true, automation: 'automatic' as const, threshold: 3 }, cpuOvercommitRatio: 4 };
    const events = decide({ type: 'ChangeClusterPolicy', clusterId: 'c1', patch }, view);
    expect(events).toEqual([{ type: 'ClusterPolicyChanged', data: { clusterId: 'c1', patch: { drs: patch.drs } } }]);
    events.forEach((e) => evolveInventory(view, e));
    expect(view.clusters.c1!.spec.drs).toEqual(patch.drs);
    expect(decide({ type: 'ChangeClusterPolicy', clusterId: 'c1', patch }, view)).toEqual([]);
  });

  it('renaming a cluster frees the old name', () => {
    const view = given(clusterWithHosts(0));
    decide({ type: 'ChangeClusterPolicy', clusterId: 'c1', patch: { name: 'prod-2' } }, view).forEach((e) => evolveInventory(view, e));
    expect(view.clusterNames).toEqual({ 'prod-2': 'c1' });
  });
});

describe('cluster decider: IMC baseline (F11, seed: hosts >= baseline, running / suspended VMs <= baseline)', () => {
  const setBaseline = (level: string) => ({ type: 'ChangeClusterPolicy' as const, clusterId: 'c1', patch: { imcBaseline: { level } } });

  it('Skylake hosts accept baseline broadwell (a subset of their features)', () => {
    expect(decide(setBaseline('broadwell'), given(clusterWithHosts(2)))).toHaveLength(1);
  });

  it('Skylake hosts refuse baseline icelake, naming host-1 and a missing feature (avx512_vnni)', () => {
    const error = refusal(() => decide(setBaseline('icelake'), given(clusterWithHosts(2))));
    expect(error.details.rule).toBe('imc.baseline');
    expect(error.message).toContain('host-1');
    expect(error.details.missing).toEqual(expect.arrayContaining(['avx512_vnni', 'gfni']));
  });

  it('a running VM that saw all Skylake features blocks baseline haswell, naming the VM; stopped, it does not', () => {
    const base = [...clusterWithHosts(1), ...createdVm('vm1', vmSpec('db-1', 'c1'), 'h1', true)];
    const error = refusal(() => decide(setBaseline('haswell'), given(base)));
    expect(error.details.rule).toBe('imc.baseline');
    expect(error.message).toContain('db-1');
    expect(error.message).toContain('power it off');
    expect(error.details.extra).toEqual(expect.arrayContaining(['avx512f', 'adx']));
    const view = given(base);
    vmDecider.decide({ type: 'PowerVm', vmId: 'vm1', action: 'stop' }, view).forEach((e) => evolveInventory(view, e));
    expect(decide(setBaseline('haswell'), view)).toHaveLength(1);
  });

  it('a VM started under baseline haswell sees haswell only, so raising the baseline to broadwell is allowed', () => {
    const view = given([...clusterWithHosts(1, { imcBaseline: { level: 'haswell' } }), ...createdVm('vm1', vmSpec('db-1', 'c1'), 'h1', true)]);
    expect(view.vms.vm1!.cpuFeatures).toEqual(IMC_LEVELS.haswell!.features);
    expect(decide(setBaseline('broadwell'), view)).toHaveLength(1);
    expect(refusal(() => decide(setBaseline('sandybridge'), view)).details.extra).toEqual(expect.arrayContaining(['avx2']));
  });
});
