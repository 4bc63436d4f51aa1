// IMC (F11, FusionCompute's Incompatible Migration Cluster; VMware calls it EVC): a cluster CPU baseline.
// THE canonical IMC level table of virtsim (inventory should import it from here).
//
// API:
//   IMC_LEVELS: Record<level, {vendor, features}>      cumulative feature sets, Linux /proc/cpuinfo flag names
//   normalizeFeature(flag) / normalizeFeatures(flags)   lower case, aliases (sse3 -> pni, sse4.2 -> sse4_2)
//   imcBaselineFeatures(baseline): string[]             {level} or {features}; unknown level -> invalid
//   missingCpuFeatures(required, available): string[]   sorted
//   vmCpuFeaturesAtPowerOn(baseline | undefined, hostFeatures): string[]
//   checkImcBaseline({baseline, hosts, vms}): void      throws conflict rule 'imc.baseline' naming every offender
//   checkImcFeatures(vm, targetHost): void              throws conflict rule 'imc.features' naming missing flags
//
// Levels follow QEMU's named x86 models (target/i386/cpu.c: Conroe/Penryn/Nehalem/Westmere/SandyBridge/
// IvyBridge/Haswell/Broadwell/Skylake-Server/Cascadelake-Server/Icelake-Server, Opteron_G1..G5, EPYC) and
// VMware's EVC modes (KB 1003212). Each level is its predecessor plus what its generation added, except EPYC:
// Zen dropped FMA4, XOP and TBM, so EPYC extends opteron_g3 rather than opteron_g5. VMX/SVM, EPT/NPT and
// VT-d are not baseline features: they are the host's virtualization support, never masked for guests.
import { conflict, invalid } from '@virtsim/contracts';
import type { ClusterSpec, VmState } from '@virtsim/contracts';

export type ImcVendor = 'intel' | 'amd';
export interface ImcLevel { vendor: ImcVendor; features: string[] }
export type ImcBaselineSpec = NonNullable<ClusterSpec['imcBaseline']>;

const X86_64 = ['fpu', 'vme', 'de', 'pse', 'tsc', 'msr', 'pae', 'mce', 'cx8', 'apic', 'sep', 'mtrr', 'pge', 'mca',
  'cmov', 'pat', 'pse36', 'clflush', 'mmx', 'fxsr', 'sse', 'sse2', 'syscall', 'nx', 'lm'];

type Step = { level: string; extends: string | null; add: string[] };
const STEPS: Record<ImcVendor, Step[]> = {
  intel: [
    { level: 'merom', extends: null, add: ['pni', 'ssse3', 'cx16', 'lahf_lm'] },
    { level: 'penryn', extends: 'merom', add: ['sse4_1'] },
    { level: 'nehalem', extends: 'penryn', add: ['sse4_2', 'popcnt'] },
    { level: 'westmere', extends: 'nehalem', add: ['aes', 'pclmulqdq'] },
    { level: 'sandybridge', extends: 'westmere', add: ['avx', 'xsave', 'tsc_deadline_timer'] },
    { level: 'ivybridge', extends: 'sandybridge', add: ['f16c', 'rdrand', 'fsgsbase', 'smep', 'erms'] },
    { level: 'haswell', extends: 'ivybridge', add: ['avx2', 'bmi1', 'bmi2', 'fma', 'movbe', 'invpcid'] },
    { level: 'broadwell', extends: 'haswell', add: ['adx', 'rdseed', 'smap', '3dnowprefetch'] },
    { level: 'skylake', extends: 'broadwell', add: ['avx512f', 'avx512dq', 'avx512cd', 'avx512bw', 'avx512vl', 'clflushopt', 'clwb', 'xsavec', 'xsaves', 'pku'] },
    { level: 'cascadelake', extends: 'skylake', add: ['avx512_vnni'] },
    { level: 'icelake', extends: 'cascadelake', add: ['avx512vbmi', 'avx512_vbmi2', 'avx512ifma', 'gfni', 'vaes', 'vpclmulqdq', 'avx512_bitalg', 'avx512_vpopcntdq', 'sha_ni', 'rdpid'] },
  ],
  amd: [
    { level: 'opteron_g1', extends: null, add: [] },
    { level: 'opteron_g2', extends: 'opteron_g1', add: ['pni', 'cx16', 'rdtscp'] },
    { level: 'opteron_g3', extends: 'opteron_g2', add: ['sse4a', 'abm', 'misalignsse', 'popcnt', 'lahf_lm', '3dnowprefetch'] },
    { level: 'opteron_g4', extends: 'opteron_g3', add: ['ssse3', 'sse4_1', 'sse4_2', 'aes', 'pclmulqdq', 'avx', 'xsave', 'fma4', 'xop'] },
    { level: 'opteron_g5', extends: 'opteron_g4', add: ['f16c', 'fma', 'tbm'] },
    { level: 'epyc', extends: 'opteron_g3', add: ['ssse3', 'sse4_1', 'sse4_2', 'aes', 'pclmulqdq', 'avx', 'xsave', 'f16c', 'fma',
      'avx2', 'bmi1', 'bmi2', 'movbe', 'adx', 'rdseed', 'rdrand', 'smap', 'smep', 'sha_ni', 'clflushopt', 'xsavec', 'xsaves', 'fsgsbase', 'clzero'] },
  ],
};

function buildLevels(): Record<string, ImcLevel> {
  const levels: Record<string, ImcLevel> = {};
  for (const vendor of ['intel', 'amd'] as const) {
    for (const s of STEPS[vendor]) {
      const base = s.extends === null ? X86_64 : levels[s.extends]!.features;
      levels[s.level] = { vendor, features: [...new Set([...base, ...s.add])].sort() };
    }
  }
  return levels;
}

export const IMC_LEVELS: Readonly<Record<string, Readonly<ImcLevel>>> = Object.freeze(buildLevels());

const ALIASES: Readonly<Record<string, string>> = {
  sse3: 'pni', 'sse4.1': 'sse4_1', 'sse4.2': 'sse4_2', 'sse4-1': 'sse4_1', 'sse4-2': 'sse4_2', sha: 'sha_ni',
  pclmul: 'pclmulqdq', lahf: 'lahf_lm', 'avx512-vnni': 'avx512_vnni', avx512vnni: 'avx512_vnni',
};

/** Users write flags as QEMU, Intel or Linux spell them; compare them in the Linux spelling. */
export const normalizeFeature = (flag: string): string => {
  const f = flag.trim().toLowerCase();
  return ALIASES[f] ?? f;
};
export const normalizeFeatures = (flags: readonly string[]): string[] => [...new Set(flags.map(normalizeFeature))].sort();

export function imcLevel(name: string): Readonly<ImcLevel> {
  const level = IMC_LEVELS[name.toLowerCase()];
  if (!level) {
    throw invalid(`unknown IMC level '${name}' (known: ${Object.keys(IMC_LEVELS).join(', ')})`, [{ path: 'imcBaseline.level', message: `unknown level ${name}` }]);
  }
  return level;
}

export function imcBaselineFeatures(baseline: ImcBaselineSpec): string[] {
  return 'level' in baseline ? [...imcLevel(baseline.level).features] : normalizeFeatures(baseline.features);
}

export const imcBaselineVendor = (baseline: ImcBaselineSpec): ImcVendor | null => ('level' in baseline ? imcLevel(baseline.level).vendor : null);

export function missingCpuFeatures(required: readonly string[], available: readonly string[]): string[] {
  const have = normalizedSet(available);
  return normalizedList(required).filter((f) => !have.has(f));
}

// Placement asks missingCpuFeatures for every host of every VM placed; the flag lists are the specs' own arrays,
// which never change once recorded, so each is normalized once (per array object).
const normalizedSets = new WeakMap<readonly string[], ReadonlySet<string>>();
const normalizedLists = new WeakMap<readonly string[], readonly string[]>();
function normalizedSet(flags: readonly string[]): ReadonlySet<string> {
  let set = normalizedSets.get(flags);
  if (!set) normalizedSets.set(flags, (set = new Set(flags.map(normalizeFeature))));
  return set;
}
function normalizedList(flags: readonly string[]): readonly string[] {
  let list = normalizedLists.get(flags);
  if (!list) normalizedLists.set(flags, (list = Object.freeze(normalizeFeatures(flags))));
  return list;
}

/** A VM sees the cluster baseline if there is one (so it can move between CPU models), else its host's CPU. */
export function vmCpuFeaturesAtPowerOn(baseline: ImcBaselineSpec | undefined | null, hostFeatures: readonly string[]): string[] {
  return baseline ? imcBaselineFeatures(baseline) : normalizeFeatures(hostFeatures);
}

export interface ImcHostFacts { id: string; name: string; vendor?: string; cpuFeatures: readonly string[] }
export interface ImcVmFacts { id: string; name: string; state: VmState; cpuFeatures: readonly string[] }

/** IMC binds running and suspended VMs only: a stopped VM takes the new baseline at its next power-on. */
const boundByImc = (state: VmState): boolean => state === 'running' || state === 'suspended' || state === 'migrating';

/** Setting or changing a cluster's baseline (seed 11): every host must have at least the baseline, every
 *  running or suspended VM must use at most it. Lists every offender with its fix; throws if any. */
export function checkImcBaseline(input: { baseline: ImcBaselineSpec; hosts: readonly ImcHostFacts[]; vms: readonly ImcVmFacts[] }): void {
  const required = imcBaselineFeatures(input.baseline);
  const vendor = imcBaselineVendor(input.baseline);
  const hosts = [...input.hosts].sort(byNameThenId).flatMap((h) => {
    const missing = missingCpuFeatures(required, h.cpuFeatures);
    const wrongVendor = vendor !== null && h.vendor !== undefined && h.vendor !== vendor;
    if (!missing.length && !wrongVendor) return [];
    const why = wrongVendor ? `is ${h.vendor}, the baseline is ${vendor}` : `lacks ${missing.join(', ')}`;
    return [{ hostId: h.id, name: h.name, missing, message: `host ${h.name} (${h.id}) ${why}: remove it from the cluster or choose a lower baseline` }];
  });
  const allowed = new Set(required);
  const vms = [...input.vms].sort(byNameThenId).flatMap((v) => {
    if (!boundByImc(v.state)) return [];
    const beyond = normalizeFeatures(v.cpuFeatures).filter((f) => !allowed.has(f));
    if (!beyond.length) return [];
    return [{ vmId: v.id, name: v.name, beyond, message: `VM ${v.name} (${v.id}) is ${v.state} with features beyond the baseline (${beyond.join(', ')}): power it off, or move it out of the cluster` }];
  });
  if (!hosts.length && !vms.length) return;
  const what = 'level' in input.baseline ? `level ${input.baseline.level}` : `${required.length} features`;
  throw conflict('imc.baseline', `IMC baseline ${what} cannot be set: ${[...hosts, ...vms].map((x) => x.message).join('; ')}`, { hosts, vms });
}

/** Live migration keeps the VM's CPU features: the target host must have all of them. */
export function checkImcFeatures(vm: { id: string; name: string; cpuFeatures: readonly string[] }, target: ImcHostFacts): void {
  const missing = missingCpuFeatures(vm.cpuFeatures, target.cpuFeatures);
  if (!missing.length) return;
  throw conflict('imc.features', `VM ${vm.name} (${vm.id}) cannot move to host ${target.name} (${target.id}): the host lacks CPU features ${missing.join(', ')}`, {
    vmId: vm.id, hostId: target.id, missing,
  });
}

const byNameThenId = (a: { id: string; name: string }, b: { id: string; name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
