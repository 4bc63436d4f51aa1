// IMC (F11): inventory's names for the one IMC level table, which lives in ../migration/imc.ts.
// There used to be a second table here that disagreed with it (inventory required `sse3`, which
// /proc/cpuinfo calls `pni`; migration's levels also carry apic/msr/smep/erms), so a host inventory
// accepted into a cluster could be refused a live migration by the same baseline. Keep one table.
//
// API:
//   IMC_LEVELS                                   the canonical table (re-exported)
//   imcFeatures(baseline | level): string[]      sorted features of a ClusterSpec.imcBaseline or a level name
//   imcVendor(baseline): 'intel' | 'amd' | null   vendor a level binds to (null for a raw feature list)
//   missingFeatures(required, available)         required features the host lacks (aliases normalized), sorted
import { IMC_LEVELS, imcBaselineFeatures, imcBaselineVendor, imcLevel, missingCpuFeatures } from '../migration/imc.js';
import type { ImcBaselineSpec, ImcLevel } from '../migration/imc.js';

export { IMC_LEVELS };
export type { ImcLevel };

export function imcFeatures(baseline: ImcBaselineSpec | string): string[] {
  return typeof baseline === 'string' ? [...imcLevel(baseline).features] : imcBaselineFeatures(baseline);
}

export const imcVendor = (baseline: ImcBaselineSpec): ImcLevel['vendor'] | null => imcBaselineVendor(baseline);

export const missingFeatures = (required: readonly string[], available: readonly string[]): string[] => missingCpuFeatures(required, available);
