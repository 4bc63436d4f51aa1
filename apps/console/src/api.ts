// The console's one HTTP client: bearer token on every call, problem+json errors as ApiError, and the live
// event stream read with fetch (so the token travels in the header and every named SSE event arrives).
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly body: unknown) { super(message); }
}

export interface RecordedEvent {
  position: number; streamId: string; type: string; data: any;
  metadata: { simTime?: number; correlationId?: string; causationId?: string; actor?: string; [k: string]: unknown };
}

const BASE = '/api/v1';

export class Api {
  constructor(private readonly token: string) {}

  get<T = any>(path: string): Promise<T> { return this.call<T>('GET', path); }
  post<T = any>(path: string, body: unknown = {}): Promise<T> { return this.call<T>('POST', path, body); }
  delete<T = any>(path: string): Promise<T> { return this.call<T>('DELETE', path); }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(BASE + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? safeJson(text) : null;
    if (!res.ok) throw new ApiError(res.status, problemText(res.status, parsed), parsed);
    return parsed as T;
  }

  /** follows the log from `after` (or the head) until the signal aborts; reconnects from the last position */
  async follow(after: number | null, onEvent: (e: RecordedEvent) => void, onState: (connected: boolean) => void, signal: AbortSignal): Promise<void> {
    let last = after;
    while (!signal.aborted) {
      try {
        const res = await fetch(`${BASE}/events/stream${last === null ? '' : `?after=${last}`}`, { headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' }, signal });
        if (!res.ok || !res.body) throw new ApiError(res.status, `event stream: HTTP ${res.status}`, null);
        onState(true);
        for await (const e of sseEvents(res.body)) {
          last = e.position;
          onEvent(e);
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) throw err;
      }
      onState(false);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** server-sent events: blank-line separated blocks, `data:` lines joined (the rest of the fields are not needed) */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<RecordedEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (data) yield JSON.parse(data) as RecordedEvent;
    }
  }
}

function safeJson(text: string): unknown {
  try { return JSON.parse(text); } catch { return text; }
}

function problemText(status: number, body: any): string {
  if (body && typeof body === 'object') {
    const fields = Array.isArray(body.errors) ? body.errors.map((e: any) => `${e.field ?? e.path ?? ''} ${e.message ?? ''}`.trim()).join('; ') : '';
    return [body.detail ?? body.title ?? `HTTP ${status}`, fields].filter(Boolean).join(': ');
  }
  return `HTTP ${status}`;
}
