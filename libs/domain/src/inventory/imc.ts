// IMC (F11): named CPU baseline levels and their feature sets.
//
// API:
//   IMC_LEVELS: Record<level, {vendor, features}>   cumulative feature set of each named level
//   imcFeatures(baseline): string[]                 features of a ClusterSpec.imcBaseline ({level} or {features}), sorted
//   imcVendor(baseline): 'intel' | 'amd' | null      vendor a level binds to (null for a raw feature list)
//   missingFeatures(required, available): string[]  required features the host lacks, sorted
//
// Feature names are Linux /proc/cpuinfo flags. The levels follow QEMU's named x86 CPU models
// (target/i386/cpu.c: Conroe..Icelake-Server, Opteron_G1..G5, EPYC) and VMware's EVC modes
// (KB 1003212), which FusionCompute's IMC mirrors. Each level is its predecessor plus what that
// generation added; EPYC is the one exception: Zen dropped FMA4, XOP and TBM, so they are removed.
import { invalid } from '@virtsim/contracts';
import type { ClusterSpec } from '@virtsim/contracts';

export interface ImcLevel { vendor: 'intel' | 'amd'; features: string[] }

const X86_64_BASE = ['fpu', 'tsc', 'cx8', 'cmov', 'mmx', 'fxsr', 'sse', 'sse2', 'syscall', 'nx', 'lm'];

type Step = [name: string, add: string[], remove?: string[]];
const INTEL_STEPS: Step[] = [
  ['merom', ['sse3', 'ssse3', 'cx16', 'lahf_lm']],
  ['penryn', ['sse4_1']],
  ['nehalem', ['sse4_2', 'popcnt']],
  ['westmere', ['aes', 'pclmulqdq']],
  ['sandybridge', ['avx', 'xsave', 'tsc_deadline_timer']],
  ['ivybridge', ['f16c', 'rdrand', 'fsgsbase']],
  ['haswell', ['avx2', 'bmi1', 'bmi2', 'fma', 'movbe', 'invpcid']],
  ['broadwell', ['adx', 'rdseed', 'smap', '3dnowprefetch']],
  ['skylake', ['avx512f', 'avx512dq', 'avx512cd', 'avx512bw', 'avx512vl', 'clflushopt', 'clwb', 'xsavec', 'xsaves', 'pku']],
  ['cascadelake', ['avx512_vnni']],
  ['icelake', ['avx512vbmi', 'avx512_vbmi2', 'gfni', 'vaes', 'vpclmulqdq', 'avx512_bitalg', 'avx512_vpopcntdq', 'sha_ni']],
];
const AMD_STEPS: Step[] = [
  ['opteron_g1', []],
  ['opteron_g2', ['cx16', 'rdtscp', 'sse3']],
  ['opteron_g3', ['sse4a', 'abm', 'misalignsse', 'popcnt', '3dnowprefetch']],
  ['opteron_g4', ['ssse3', 'sse4_1', 'sse4_2', 'aes', 'pclmulqdq', 'avx', 'xsave', 'fma4', 'xop']],
  ['opteron_g5', ['f16c', 'fma', 'bmi1', 'tbm']],
  ['epyc', ['avx2', 'bmi2', 'adx', 'rdseed', 'smap', 'sha_ni', 'clflushopt', 'movbe', 'xsavec', 'xsaves', 'fsgsbase', 'rdrand'], ['fma4', 'xop', 'tbm']],
];

function accumulate(vendor: ImcLevel['vendor'], steps: Step[]): Record<string, ImcLevel> {
  const levels: Record<string, ImcLevel> = {};
  let current = new Set(X86_64_BASE);
  for (const [name, add, remove = []] of steps) {
    current = new Set([...current, ...add].filter((f) => !remove.includes(f)));
    levels[name] = { vendor, features: [...current].sort() };
  }
  return levels;
}

export const IMC_LEVELS: Readonly<Record<string, ImcLevel>> = Object.freeze({
  ...accumulate('intel', INTEL_STEPS),
  ...accumulate('amd', AMD_STEPS),
});

type Baseline = NonNullable<ClusterSpec['imcBaseline']>;

/** Sorted feature set of a baseline; an unknown level is a bad argument. */
export function imcFeatures(baseline: Baseline | string): string[] {
  if (typeof baseline === 'string') return levelOf(baseline).features;
  if ('level' in baseline) return levelOf(baseline.level).features;
  return [...new Set(baseline.features)].sort();
}

export function imcVendor(baseline: Baseline): ImcLevel['vendor'] | null {
  return 'level' in baseline ? levelOf(baseline.level).vendor : null;
}

export function missingFeatures(required: readonly string[], available: readonly string[]): string[] {
  const have = new Set(available);
  return required.filter((f) => !have.has(f)).sort();
}

function levelOf(name: string): ImcLevel {
  const level = IMC_LEVELS[name];
  if (!level) {
    const known = Object.keys(IMC_LEVELS).join(', ');
    throw invalid(`unknown IMC level '${name}' (known: ${known})`, [{ path: 'imcBaseline.level', message: `unknown level ${name}` }]);
  }
  return level;
}
