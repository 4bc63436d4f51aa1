import { IMC_LEVELS, imcFeatures, imcVendor, missingFeatures } from './imc.js';

describe('IMC levels', () => {
  const intel = ['merom', 'penryn', 'nehalem', 'westmere', 'sandybridge', 'ivybridge', 'haswell', 'broadwell', 'skylake', 'cascadelake', 'icelake'];

  it('each Intel level contains the one before it: merom (ssse3) ... icelake (avx512_vnni, gfni)', () => {
    for (let i = 1; i < intel.length; i++) {
      expect(missingFeatures(imcFeatures(intel[i - 1]!), imcFeatures(intel[i]!))).toEqual([]);
      expect(imcFeatures(intel[i]!).length).toBeGreaterThan(imcFeatures(intel[i - 1]!).length);
    }
    expect(imcFeatures('merom')).toContain('ssse3');
    expect(imcFeatures('merom')).not.toContain('sse4_1');
    expect(imcFeatures('icelake')).toEqual(expect.arrayContaining(['avx512_vnni', 'gfni', 'aes', 'sse4_2']));
  });

  it('AMD levels opteron_g1..g5 then epyc, which drops fma4 / xop / tbm (Zen removed them)', () => {
    expect(Object.keys(IMC_LEVELS).filter((k) => IMC_LEVELS[k]!.vendor === 'amd')).toEqual(['opteron_g1', 'opteron_g2', 'opteron_g3', 'opteron_g4', 'opteron_g5', 'epyc']);
    expect(imcFeatures('opteron_g5')).toEqual(expect.arrayContaining(['fma4', 'xop', 'tbm']));
    expect(imcFeatures('epyc')).not.toEqual(expect.arrayContaining(['fma4']));
    expect(imcFeatures('epyc')).toEqual(expect.arrayContaining(['avx2', 'sha_ni', 'sse4a']));
  });

  it('a raw feature list baseline is deduplicated and sorted, with no vendor', () => {
    expect(imcFeatures({ features: ['sse2', 'avx', 'sse2'] })).toEqual(['avx', 'sse2']);
    expect(imcVendor({ features: ['sse2'] })).toBeNull();
    expect(imcVendor({ level: 'epyc' })).toBe('amd');
  });

  it('an unknown level is invalid', () => {
    expect(() => imcFeatures('pentium4')).toThrow(expect.objectContaining({ code: 'invalid' }));
  });
});

describe('one IMC table (F11): inventory, placement and migration read the same one', () => {
  it('inventory\'s IMC_LEVELS is migration\'s table, object for object', async () => {
    const migration = await import('../migration/imc.js');
    expect(IMC_LEVELS).toBe(migration.IMC_LEVELS);
  });

  it('haswell needs pni (cpuinfo\'s name for SSE3) and smep/erms/apic/msr; a host that writes sse3 has it', () => {
    expect(imcFeatures({ level: 'haswell' })).toEqual(expect.arrayContaining(['pni', 'smep', 'erms', 'apic', 'msr']));
    expect(imcFeatures({ level: 'haswell' })).not.toContain('sse3');
    const host = imcFeatures('haswell').map((f) => (f === 'pni' ? 'SSE3' : f));
    expect(missingFeatures(imcFeatures('haswell'), host)).toEqual([]);
    expect(missingFeatures(imcFeatures('haswell'), host.filter((f) => f !== 'erms'))).toEqual(['erms']);
  });
});
