export * from './specs.js';
export * from './errors.js';
export * from './events/envelope.js';
export * from './events/inventory.js';
