import { clusterDecider } from './cluster.js';
import { IMC_LEVELS } from './imc.js';
import { spec } from '@virtsim/testing/decider';
import { clusterSpec, clusterWithHosts, createdVm, vmSpec } from './inventory.fixtures.js';
import { vmDecider } from './vm.js';

const clusters = spec(clusterDecider);

describe('cluster decider', () => {
  it('creates a cluster with the contract defaults (cpu overcommit 4, seed 1)', () => {
    const view = clusters.given([]).when({ type: 'CreateCluster', clusterId: 'c1', spec: clusterSpec() })
      .then([{ type: 'ClusterCreated', data: { clusterId: 'c1', spec: clusterSpec() } }]);
    expect(view.clusters.c1).toMatchObject({ hostCount: 0, vmCount: 0, spec: { cpuOvercommitRatio: 4, seed: 1 } });
    expect(view.clusterNames.prod).toBe('c1');
  });

  it('a second cluster named prod is refused naming prod (cluster.name)', () => {
    const error = clusters.given(clusterWithHosts(0)).when({ type: 'CreateCluster', clusterId: 'c2', spec: clusterSpec() }).thenThrows('conflict', { rule: 'cluster.name' });
    expect(error.message).toContain("'prod'");
  });

  it('an unknown IMC level is invalid and lists the known ones', () => {
    const error = clusters.given([]).when({ type: 'CreateCluster', clusterId: 'c1', spec: clusterSpec({ imcBaseline: { level: 'pentium4' } }) }).thenThrows('invalid');
    expect(error.message).toContain('haswell');
  });

  it('a policy patch records only what changes: drs on, cpu ratio 4 -> 4 (unchanged) left out', () => {
    const patch = { drs: { enabled: true, automation: 'automatic' as const, threshold: 3 }, cpuOvercommitRatio: 4 };
    const view = clusters.given(clusterWithHosts(0)).when({ type: 'ChangeClusterPolicy', clusterId: 'c1', patch })
      .then([{ type: 'ClusterPolicyChanged', data: { clusterId: 'c1', patch: { drs: patch.drs } } }]);
    expect(view.clusters.c1!.spec.drs).toEqual(patch.drs);
    clusters.givenState(view).when({ type: 'ChangeClusterPolicy', clusterId: 'c1', patch }).thenNothingHappened();
  });

  it('renaming a cluster frees the old name', () => {
    const { state: view } = clusters.given(clusterWithHosts(0)).when({ type: 'ChangeClusterPolicy', clusterId: 'c1', patch: { name: 'prod-2' } }).result();
    expect(view.clusterNames).toEqual({ 'prod-2': 'c1' });
  });
});

describe('cluster decider: IMC baseline (F11, seed: hosts >= baseline, running / suspended VMs <= baseline)', () => {
  const setBaseline = (level: string) => ({ type: 'ChangeClusterPolicy' as const, clusterId: 'c1', patch: { imcBaseline: { level } } });

  it('Skylake hosts accept baseline broadwell (a subset of their features)', () => {
    expect(clusters.given(clusterWithHosts(2)).when(setBaseline('broadwell')).result().events).toHaveLength(1);
  });

  it('Skylake hosts refuse baseline icelake, naming host-1 and a missing feature (avx512_vnni)', () => {
    const error = clusters.given(clusterWithHosts(2)).when(setBaseline('icelake')).thenThrows('conflict', { rule: 'imc.baseline' });
    expect(error.message).toContain('host-1');
    expect(error.details.missing).toEqual(expect.arrayContaining(['avx512_vnni', 'gfni']));
  });

  it('a running VM that saw all Skylake features blocks baseline haswell, naming the VM; stopped, it does not', () => {
    const base = [...clusterWithHosts(1), ...createdVm('vm1', vmSpec('db-1', 'c1'), 'h1', true)];
    const error = clusters.given(base).when(setBaseline('haswell')).thenThrows('conflict', { rule: 'imc.baseline' });
    expect(error.message).toContain('db-1');
    expect(error.message).toContain('power it off');
    expect(error.details.extra).toEqual(expect.arrayContaining(['avx512f', 'adx']));
    const { state: stopped } = spec(vmDecider).given(base).when({ type: 'PowerVm', vmId: 'vm1', action: 'stop' }).result();
    expect(clusters.givenState(stopped).when(setBaseline('haswell')).result().events).toHaveLength(1);
  });

  it('a VM started under baseline haswell sees haswell only, so raising the baseline to broadwell is allowed', () => {
    const view = clusters.given([...clusterWithHosts(1, { imcBaseline: { level: 'haswell' } }), ...createdVm('vm1', vmSpec('db-1', 'c1'), 'h1', true)]);
    expect(view.state.vms.vm1!.cpuFeatures).toEqual(IMC_LEVELS.haswell!.features);
    expect(view.when(setBaseline('broadwell')).result().events).toHaveLength(1);
    expect(view.when(setBaseline('sandybridge')).thenThrows('conflict').details.extra).toEqual(expect.arrayContaining(['avx2']));
  });
});
