// The one way the CLI calls the virtsim API: JSON in and out, bearer token,
// problem+json errors turned into ApiError with a readable message.
import { virtsimClient, type VirtsimClient } from '@virtsim/client';
import { CliError } from './errors.js';

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: unknown;
  [key: string]: unknown;
}

export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly method: string,
    readonly path: string,
  ) {
    super(formatProblem(status, problem, `${method} ${path}`), 1);
    this.name = 'ApiError';
  }
}

/** Field errors in the shapes servers commonly use: [{path|field|pointer, message}] or {field: msg | [msgs]}. */
export function fieldErrors(errors: unknown): string[] {
  if (!errors) return [];
  if (Array.isArray(errors)) {
    return errors.map((e) => {
      if (typeof e === 'string') return e;
      if (e && typeof e === 'object') {
        const o = e as Record<string, unknown>;
        const rawPath = o.path ?? o.field ?? o.pointer ?? o.name ?? o.property;
        const where = Array.isArray(rawPath) ? rawPath.join('.') : rawPath;
        const msg = o.message ?? o.detail ?? o.title ?? JSON.stringify(o);
        return where !== undefined && where !== '' ? `${String(where)}: ${String(msg)}` : String(msg);
      }
      return String(e);
    });
  }
  if (typeof errors === 'object') {
    return Object.entries(errors as Record<string, unknown>).map(
      ([k, v]) => `${k}: ${Array.isArray(v) ? v.map(String).join('; ') : String(v)}`,
    );
  }
  return [String(errors)];
}

/** Multi-line human message for a problem+json body. */
export function formatProblem(status: number, p: Problem, request?: string): string {
  const title = p.title ?? httpTitle(status);
  const lines = [`${status} ${title}${p.detail && p.detail !== title ? `: ${p.detail}` : ''}`];
  for (const fe of fieldErrors(p.errors)) lines.push(`  - ${fe}`);
  if (request) lines.push(`  (${request}${p.type && p.type !== 'about:blank' ? `, ${p.type}` : ''})`);
  return lines.join('\n');
}

function httpTitle(status: number): string {
  const t: Record<number, string> = {
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
    413: 'Payload Too Large', 422: 'Unprocessable Entity', 500: 'Internal Server Error', 503: 'Service Unavailable',
  };
  return t[status] ?? 'Error';
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** raw body (sent as is) with its content type */
  rawBody?: Uint8Array | string;
  contentType?: string;
  accept?: string;
  /** return the Response instead of parsing it (downloads, streams) */
  raw?: boolean;
  signal?: AbortSignal;
}

export function buildUrl(base: string, path: string, query?: Query): string {
  const url = new URL(base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  return url.toString();
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | number | null;
}

/** a request that has had no answer for this long fails (a silent server must not hang the CLI); `?wait=true`
 *  calls wait longer on the server, so the default leaves them room. --timeout / VIRTSIM_TIMEOUT_SECONDS change it. */
export const DEFAULT_TIMEOUT_MS = 300_000;

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly fetchFn: typeof fetch = globalThis.fetch,
    private readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {}

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = buildUrl(this.baseUrl, path, opts.query);
    const headers: Record<string, string> = { accept: opts.accept ?? 'application/json, application/problem+json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: RequestInit['body'];
    if (opts.rawBody !== undefined) {
      body = opts.rawBody as RequestInit['body'];
      headers['content-type'] = opts.contentType ?? 'application/octet-stream';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    // the timer covers the answer's headers and, unless the caller streams it (raw), its body
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(), this.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timer.signal]) : timer.signal;
    try {
      let res: Response;
      try {
        res = await this.fetchFn(url, { method, headers, body, signal });
      } catch (err) {
        if (timer.signal.aborted) throw this.timedOut(method, path);
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const why = cause?.code ?? cause?.message ?? (err as Error).message;
        throw new CliError(`cannot reach ${this.baseUrl} (${why}); is the server running (npm start)? Use --url or VIRTSIM_URL to point elsewhere.`);
      }
      // a standby vrm that cannot forward answers 503 naming the leader's address: ask the leader once instead
      const leader = res.status === 503 ? await leaderOf(res.clone()) : null;
      if (leader) {
        try {
          res = await this.fetchFn(`${leader}${url.slice(new URL(url).origin.length)}`, { method, headers, body, signal });
        } catch {
          // the leader named is not reachable from here: the standby's 503 stands
        }
      }
      if (opts.raw && res.ok) { clearTimeout(timeout); return res as unknown as T; }
      return await this.answer<T>(res, method, path, opts).catch((err: unknown) => { throw timer.signal.aborted ? this.timedOut(method, path) : err; });
    } finally {
      clearTimeout(timeout);
    }
  }

  private timedOut(method: string, path: string): CliError {
    return new CliError(`${method} ${path}: no answer from ${this.baseUrl} within ${Math.round(this.timeoutMs / 1000)} s (--timeout / VIRTSIM_TIMEOUT_SECONDS)`);
  }

  /** the parsed answer: JSON unless the caller asked for another type; a 2xx that is not JSON is an error */
  private async answer<T>(res: Response, method: string, path: string, opts: RequestOptions): Promise<T> {
    if (!res.ok) throw await toApiError(res, method, path);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    const type = res.headers.get('content-type') ?? '';
    if (opts.accept !== undefined && !opts.accept.includes('json')) return text as unknown as T;
    if (!type.includes('json')) throw new CliError(`${method} ${path}: the server answered ${res.status} with ${type || 'no content type'}, not JSON (is --url a virtsim server?)`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`${method} ${path}: invalid JSON in response`);
    }
  }

  /** the generated, typed client (libs/client) on this connection: same server, token and fetch */
  typed(): VirtsimClient {
    return virtsimClient({ baseUrl: this.baseUrl.replace(/\/api\/v1\/?$/, ''), token: this.token, fetch: (req: Request) => this.fetchFn(req) });
  }

  get<T = unknown>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }
  post<T = unknown>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.request<T>('POST', path, { body: body ?? {}, query });
  }
  patch<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }
  delete<T = unknown>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /**
   * Iterates every item of a list endpoint, following nextCursor (sent back as `cursor`, or as
   * `after` for log-ordered endpoints such as /audit and /vms/:id/history). Stops if a cursor repeats.
   */
  async *paginate<T = unknown>(path: string, query: Query = {}, opts: { pageSize?: number; cursorParam?: 'cursor' | 'after' } = {}): AsyncGenerator<T> {
    const param = opts.cursorParam ?? 'cursor';
    let cursor: string | number | null | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.get<Page<T> | T[]>(path, { ...query, limit: query.limit ?? opts.pageSize ?? 500, ...(cursor !== undefined && cursor !== null ? { [param]: cursor } : {}) });
      const items = pageItems<T>(page);
      for (const it of items) yield it;
      cursor = Array.isArray(page) ? null : page?.nextCursor;
      if (cursor === null || cursor === undefined || cursor === '' || items.length === 0 || seen.has(String(cursor))) return;
      seen.add(String(cursor));
    }
  }

  async list<T = unknown>(path: string, query: Query = {}, opts: { cursorParam?: 'cursor' | 'after' } = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const it of this.paginate<T>(path, query, opts)) out.push(it);
    return out;
  }
}

/** The items of a list answer: an array, {items}, or the first array field ({recommendations: [...]}). */
export function pageItems<T>(page: unknown): T[] {
  if (Array.isArray(page)) return page as T[];
  if (!page || typeof page !== 'object') return [];
  const o = page as Record<string, unknown>;
  if (Array.isArray(o.items)) return o.items as T[];
  const arr = Object.values(o).find(Array.isArray);
  return (arr ?? []) as T[];
}

async function toApiError(res: Response, method: string, path: string): Promise<ApiError> {
  let problem: Problem = {};
  const text = await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as unknown;
    problem = parsed && typeof parsed === 'object' ? (parsed as Problem) : { detail: String(parsed) };
  } catch {
    if (text) problem = { detail: text.slice(0, 500) };
  }
  if (res.status === 401 && !problem.detail) problem.detail = 'missing or invalid token (use --token, VIRTSIM_TOKEN or a config file)';
  return new ApiError(res.status, problem, method, path);
}

/** Incremental parser for text/event-stream: feed chunks, get the `data` payload of each complete event. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];

  feed(chunk: string): string[] {
    this.buffer += chunk;
    const out: string[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r?\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer[nl] === '\r' ? 2 : 1));
      if (line === '') {
        if (this.data.length) out.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(5).replace(/^ /, ''));
      }
      // other fields (event:, id:, retry:, comments) are ignored
    }
    return out;
  }
}

/** the data of a typed call, or its problem document as an ApiError (the CLI's one error shape) */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>, method: string, path: string): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    const problem = (error && typeof error === 'object' ? error : { detail: String(error ?? '') }) as Problem;
    throw new ApiError(response.status, problem, method, path);
  }
  return data as T;
}

/** the leader's origin a standby's 503 names (`leader: "http://host:port"`), or null */
export async function leaderOf(res: Response): Promise<string | null> {
  try {
    const problem = JSON.parse(await res.text()) as { leader?: unknown };
    return typeof problem.leader === 'string' && /^https?:\/\//.test(problem.leader) ? new URL(problem.leader).origin : null;
  } catch {
    return null;
  }
}
