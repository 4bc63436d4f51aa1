export * from './infra.js';
export * from './vm-lifecycle.js';
