// Errors the CLI turns into exit codes: 1 for failures, 2 for usage errors.
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1, readonly details: string[] = []) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string, details: string[] = []) {
    super(message, 2, details);
    this.name = 'UsageError';
  }
}

/** An RFC 9457 problem document, as the API answers and as `--json` prints the CLI's own failures. */
export interface ProblemDocument {
  type: string;
  title: string;
  status?: number;
  detail: string;
  instance?: string;
  errors?: string[];
  [key: string]: unknown;
}

/** what `virtsim --json` prints for a failure: the API's own document when the server refused, else one of
 *  the CLI's (usage: a bad command line; cli: anything else the CLI could not do) */
export function problemOf(err: unknown, usage = false): ProblemDocument {
  const apiProblem = (err as { problem?: unknown; status?: unknown })?.problem;
  if (apiProblem && typeof apiProblem === 'object') {
    const p = apiProblem as Record<string, unknown>;
    const status = (err as { status: number }).status;
    const request = err as { method?: string; path?: string };
    return {
      type: typeof p.type === 'string' ? p.type : 'about:blank',
      title: typeof p.title === 'string' ? p.title : `HTTP ${status}`,
      ...p,
      status: typeof p.status === 'number' ? p.status : status,
      detail: typeof p.detail === 'string' ? p.detail : String((err as Error).message),
      ...(p.instance === undefined && request.method ? { instance: `${request.method} ${request.path}` } : {}),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  const details = err instanceof CliError ? err.details : [];
  const isUsage = usage || err instanceof UsageError;
  return {
    type: `https://virtsim.dev/problems/cli/${isUsage ? 'usage' : 'failed'}`,
    title: isUsage ? 'Invalid command line' : 'Command failed',
    detail: message.replace(/^error: /, ''),
    ...(details.length ? { errors: details } : {}),
  };
}
