import type { VirtsimError } from '@virtsim/contracts';
import {
  IMC_LEVELS, checkImcBaseline, checkImcFeatures, imcBaselineFeatures, missingCpuFeatures, normalizeFeatures, vmCpuFeaturesAtPowerOn,
} from './imc.js';

const INTEL = ['merom', 'penryn', 'nehalem', 'westmere', 'sandybridge', 'ivybridge', 'haswell', 'broadwell', 'skylake', 'cascadelake', 'icelake'];
const AMD_G = ['opteron_g1', 'opteron_g2', 'opteron_g3', 'opteron_g4', 'opteron_g5'];
const feats = (level: string) => [...IMC_LEVELS[level]!.features];
const caught = (f: () => void): VirtsimError => { try { f(); } catch (e) { return e as VirtsimError; } throw new Error('did not throw'); };

describe('IMC level table', () => {
  it.each([...INTEL.slice(1).map((l, i) => [INTEL[i]!, l]), ...AMD_G.slice(1).map((l, i) => [AMD_G[i]!, l])])('%s is a strict subset of %s', (lower, higher) => {
    expect(missingCpuFeatures(feats(lower), feats(higher))).toEqual([]);
    expect(feats(higher).length).toBeGreaterThan(feats(lower).length);
  });

  it('real flags: nehalem adds sse4_2 + popcnt, westmere aes, sandybridge avx, haswell avx2, skylake avx512f, cascadelake avx512_vnni', () => {
    expect(missingCpuFeatures(['sse4_2', 'popcnt'], feats('penryn'))).toEqual(['popcnt', 'sse4_2']);
    expect(feats('westmere')).toContain('aes');
    expect(feats('sandybridge')).toContain('avx');
    expect(missingCpuFeatures(['avx2'], feats('ivybridge'))).toEqual(['avx2']);
    expect(feats('haswell')).toContain('avx2');
    expect(feats('skylake')).toEqual(expect.arrayContaining(['avx512f', 'avx512bw', 'avx2', 'sse4_2', 'pni']));
    expect(missingCpuFeatures(['avx512_vnni'], feats('skylake'))).toEqual(['avx512_vnni']);
  });

  it('epyc (Zen) has avx2 and sha_ni but not the fma4 / xop / tbm of opteron_g5', () => {
    expect(feats('epyc')).toEqual(expect.arrayContaining(['avx2', 'sha_ni', 'sse4_2']));
    expect(missingCpuFeatures(['fma4', 'xop', 'tbm'], feats('epyc'))).toEqual(['fma4', 'tbm', 'xop']);
  });

  it('feature spellings are normalized: SSE3 -> pni, sse4.2 -> sse4_2; unknown level is invalid', () => {
    expect(normalizeFeatures(['SSE3', 'sse4.2', 'sse4_2'])).toEqual(['pni', 'sse4_2']);
    expect(imcBaselineFeatures({ features: ['avx', 'AVX'] })).toEqual(['avx']);
    expect(() => imcBaselineFeatures({ level: 'pentium4' })).toThrow(expect.objectContaining({ code: 'invalid' }));
  });
});

describe('checkImcBaseline (seed 11: hosts >= baseline, running/suspended VMs <= baseline)', () => {
  const skylakeHost = { id: 'h1', name: 'sky', vendor: 'intel', cpuFeatures: [...feats('skylake'), 'vmx', 'ept'] };
  const ivyHost = { id: 'h2', name: 'ivy', vendor: 'intel', cpuFeatures: feats('ivybridge') };

  it('haswell baseline over a skylake host and an ivybridge host: conflict imc.baseline naming ivy and its missing avx2, bmi1, bmi2, fma, invpcid, movbe', () => {
    const err = caught(() => checkImcBaseline({ baseline: { level: 'haswell' }, hosts: [skylakeHost, ivyHost], vms: [] }));
    expect(err.code).toBe('conflict');
    expect(err.details.rule).toBe('imc.baseline');
    expect(err.details.hosts).toEqual([expect.objectContaining({ hostId: 'h2', missing: ['avx2', 'bmi1', 'bmi2', 'fma', 'invpcid', 'movbe'] })]);
    expect(err.message).toMatch(/host ivy \(h2\) lacks avx2, bmi1/);
  });

  it('a running VM powered on with skylake features blocks a broadwell baseline (fix: power it off or move it out); a stopped one does not', () => {
    const vms = [
      { id: 'v1', name: 'db', state: 'running' as const, cpuFeatures: feats('skylake') },
      { id: 'v2', name: 'old', state: 'stopped' as const, cpuFeatures: feats('icelake') },
      { id: 'v3', name: 'zz', state: 'suspended' as const, cpuFeatures: feats('cascadelake') },
    ];
    const err = caught(() => checkImcBaseline({ baseline: { level: 'broadwell' }, hosts: [skylakeHost], vms }));
    expect((err.details.vms as { vmId: string }[]).map((v) => v.vmId)).toEqual(['v1', 'v3']);
    expect(err.message).toMatch(/VM db \(v1\) is running with features beyond the baseline \(avx512bw.*\): power it off, or move it out of the cluster/);
    expect(err.message).toMatch(/VM zz \(v3\) is suspended/);
  });

  it('an AMD host under an intel level is refused even if its flags match; a matching cluster passes', () => {
    const amd = { id: 'h3', name: 'epyc1', vendor: 'amd', cpuFeatures: feats('epyc').concat(['lahf_lm']) };
    expect(() => checkImcBaseline({ baseline: { level: 'merom' }, hosts: [amd], vms: [] })).toThrow(/host epyc1 \(h3\) is amd, the baseline is intel/);
    expect(() => checkImcBaseline({ baseline: { level: 'ivybridge' }, hosts: [skylakeHost, ivyHost], vms: [{ id: 'v', name: 'v', state: 'running', cpuFeatures: feats('sandybridge') }] })).not.toThrow();
  });
});

describe('VM CPU features and live-migration compatibility', () => {
  it('with a broadwell baseline a VM started on a skylake host sees broadwell and can move to a broadwell host', () => {
    const vmFeatures = vmCpuFeaturesAtPowerOn({ level: 'broadwell' }, feats('skylake'));
    expect(vmFeatures).toEqual(feats('broadwell'));
    expect(() => checkImcFeatures({ id: 'v1', name: 'web', cpuFeatures: vmFeatures }, { id: 'h2', name: 'bdw', cpuFeatures: feats('broadwell') })).not.toThrow();
  });

  it('without a baseline the VM takes its skylake host\'s features and is refused on a haswell host (imc.features lists adx ... xsaves)', () => {
    const vmFeatures = vmCpuFeaturesAtPowerOn(undefined, feats('skylake'));
    const err = caught(() => checkImcFeatures({ id: 'v1', name: 'web', cpuFeatures: vmFeatures }, { id: 'h2', name: 'hsw', cpuFeatures: feats('haswell') }));
    expect(err.details.rule).toBe('imc.features');
    expect(err.details.missing).toEqual(['3dnowprefetch', 'adx', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512f', 'avx512vl', 'clflushopt', 'clwb', 'pku', 'rdseed', 'smap', 'xsavec', 'xsaves']);
    expect(err.message).toMatch(/VM web \(v1\) cannot move to host hsw \(h2\): the host lacks CPU features 3dnowprefetch, adx/);
  });
});
