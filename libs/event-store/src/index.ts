export * from './event-store.js';
export * from './subscription.js';
export * from './upcasters.js';
export * from './snapshot-retention.js';
export * from './data-source.js';
