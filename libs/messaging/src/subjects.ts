// Subjects are `<prefix>.<service>.<verb>`; the prefix (default `virtsim`) keeps installations and test
// files apart on one broker. Handlers declare the unprefixed pattern; the transport adds the prefix.
export const DEFAULT_PREFIX = 'virtsim';

export const SERVICES = ['vrm', 'scheduler', 'memory-manager', 'io-backend', 'ha-monitor', 'migration'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const subject = (service: ServiceName, verb: string) => `${service}.${verb}`;

/** event notifications: `<prefix>.events.<category>.<type>`, category = the stream's prefix (vm, host, ...) */
export const eventSubject = (prefix: string, streamId: string, type: string) => {
  const dash = streamId.indexOf('-');
  const category = dash > 0 ? streamId.slice(0, dash) : streamId;
  return `${prefix}.events.${category.replace(/[^A-Za-z0-9_-]/g, '_')}.${type}`;
};
