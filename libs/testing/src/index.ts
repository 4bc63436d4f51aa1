export * from './infra.js';
export * from './vm-lifecycle.js';
export * from './store-spy.js';
export * from './seeded-vm.js';
