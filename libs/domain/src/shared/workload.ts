// Workload of a VM at a simulated time: a pure function of its profile, the scenario seed and the time.
import type { WorkloadProfile } from '@virtsim/contracts';
import { hash32, noise } from './prng.js';

export interface WorkloadSample {
  cpuDemandMhz: number;
  activeMemoryMiB: number;
  dirtyRateMiBps: number;
  iops: number;
  ioSizeKiB: number;
  readRatio: number;
}

export const DEFAULT_WORKLOAD: WorkloadProfile = {
  cpuDemandMhz: 500, activeMemoryMiB: 256, dirtyRateMiBps: 10, iops: 100, ioSizeKiB: 8, readRatio: 0.7, pattern: 'constant',
};

const DAY = 86_400;

/** Load factor in [0, ~2]: constant 1; diurnal a day-long sine (0.2 at night, 1.8 at 15:00); spiky 1 with 5% spikes x3. */
export function loadFactor(pattern: WorkloadProfile['pattern'], seed: number, simTime: number): number {
  if (pattern === 'diurnal') return 1 + 0.8 * Math.sin(((simTime % DAY) / DAY) * 2 * Math.PI - Math.PI / 2 - Math.PI / 4);
  if (pattern === 'spiky') return noise(seed, Math.floor(simTime / 60)) < 0.05 ? 3 : 1;
  return 1;
}

export function workloadAt(profile: WorkloadProfile | undefined, vmId: string, scenarioSeed: number, simTime: number): WorkloadSample {
  const p = { ...DEFAULT_WORKLOAD, ...profile };
  const f = loadFactor(p.pattern, (p.seed ?? hash32(vmId)) ^ scenarioSeed, simTime);
  return {
    cpuDemandMhz: p.cpuDemandMhz * f,
    activeMemoryMiB: p.activeMemoryMiB * Math.min(f, 1.5),
    dirtyRateMiBps: p.dirtyRateMiBps * f,
    iops: p.iops * f,
    ioSizeKiB: p.ioSizeKiB,
    readRatio: p.readRatio,
  };
}
