// A saga step (or any command carrying an idempotency key) that a service refused: recorded on the service's
// own `steps-<service>` stream so that a repeat of the key, also after a restart, answers the same refusal
// from the log. A step that succeeded needs no event of its own: its answer rides in its events' metadata
// (`idempotencyKey`, `answer`, `actor`).
import type { ErrorCode, ErrorDetails } from '../errors.js';
import type { EventOf } from './envelope.js';

export type StepEvent =
  | EventOf<'StepRefused', { service: string; idempotencyKey: string; error: { code: ErrorCode; message: string; details: ErrorDetails } }>;
