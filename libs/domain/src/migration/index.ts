// Migration context (F8 live migration, C4 cold migration, storage migration, F11 IMC, evacuation for
// maintenance / DPM). Pure domain: the migration service feeds it events and ticks, and appends what it returns.
export * from './bandwidth.js';
export * from './precopy.js';
export * from './imc.js';
export * from './preconditions.js';
export * from './state.js';
export * from './engine.js';
export * from './decider.js';
export * from './evacuation.js';
