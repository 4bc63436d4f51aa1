export * from './shared/decider.js';
export * from './shared/prng.js';
export * from './shared/workload.js';
