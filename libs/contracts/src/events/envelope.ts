// Events are plain typed data: {type, data}. The store wraps them with position, stream and metadata.
export interface EventOf<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

export interface EventMetadata {
  /** simulated time (seconds) when the event happened */
  simTime?: number;
  correlationId?: string;
  causationId?: string;
  actor?: string;
  /** leader epoch of the vrm that appended it (split-brain fence) */
  epoch?: number;
  [key: string]: unknown;
}

export interface RecordedEvent<E extends EventOf = EventOf> {
  position: number;
  streamId: string;
  streamVersion: number;
  eventId: string;
  type: E['type'];
  schemaVersion: number;
  data: E['data'];
  metadata: EventMetadata;
  recordedAt: string;
}
