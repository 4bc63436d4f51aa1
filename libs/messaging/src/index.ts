export * from './subjects.js';
export * from './nats-transport.js';
export * from './in-process-transport.js';
export * from './request.js';
export * from './doorbell.js';
export * from './causality.js';
export * from './retry.js';
