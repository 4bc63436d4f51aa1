// Inventory context (vrm): clusters, hosts, VMs, rule groups, the VM creation saga and tasks.
// Deciders share one state, the InventoryView projection (view.ts): the cluster is the consistency boundary
// of the limits and name rules, so every inventory command is decided against the whole, current view.
export * from './view.js';
export * from './lookup.js';
export * from './imc.js';
export * from './guest-os.js';
export * from './cluster.js';
export * from './host.js';
export * from './vm.js';
export * from './vm-lifecycle.js';
export * from './vm-reconfigure.js';
export * from './maintenance-task.js';
export * from './guest-tools.js';
export * from './vm-devices.js';
export * from './vm-file.js';
export * from './rule.js';
export * from './saga.js';
export * from './task.js';
export * from './sim-clock.js';
