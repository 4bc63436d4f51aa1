// CPU context (P1 capacity, P2 instruction classes and virtualization modes, P3 vCPU scheduling, C5 modes, C6 types).
// Pure functions plus one decider (cpuSamplingDecider) that turns per-tick schedules into events.
export * from './costs.js';
export * from './instructions.js';
export * from './capacity.js';
export * from './modes.js';
export * from './executor.js';
export * from './interrupts.js';
export * from './catalogue-view.js';
export * from './workload-mix.js';
export * from './scheduler.js';
export * from './sampling.js';
export * from './host-view.js';
export * from './charged-overhead.js';
