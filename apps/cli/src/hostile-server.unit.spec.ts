// The CLI against a silent, careless or hostile server (issue 23, item 12).
import { timeoutMs } from './context.js';
import { CliError } from './errors.js';
import { formatCell, formatTable, printable } from './format.js';
import { ApiClient } from './http.js';

/** a server that accepts the request and never answers: the request ends only when its signal aborts */
const silent = (async (_url: string, init: RequestInit) => new Promise((_resolve, reject) => {
  init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
})) as unknown as typeof fetch;

describe('a silent server', () => {
  it('a request with no answer fails after the timeout, naming it', async () => {
    const c = new ApiClient('http://h/api/v1', 't', silent, 20);
    const err = await c.get('/clusters').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toMatch(/GET \/clusters: no answer from http:\/\/h\/api\/v1 within 0 s/);
    expect((err as CliError).exitCode).toBe(1);
  });

  it('--timeout takes whole seconds; a bad value is a usage error', () => {
    expect(timeoutMs(undefined)).toBe(300_000);
    expect(timeoutMs('5')).toBe(5000);
    for (const bad of ['0', '-1', '1.5', 'abc', '1e9']) expect(() => timeoutMs(bad)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('a careless server', () => {
  it('a 200 that is not JSON is an error (exit 1), not an empty list', async () => {
    const html = (async () => new Response('<html>proxy login</html>', { status: 200, headers: { 'content-type': 'text/html' } })) as unknown as typeof fetch;
    const err = await new ApiClient('http://h/api/v1', 't', html).list('/clusters').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toMatch(/answered 200 with text\/html, not JSON/);
  });
});

describe('a hostile server', () => {
  it('control codes in server data are shown escaped, never sent to the terminal', () => {
    const name = 'web\u001b[2J\u001b]0;pwned\u0007\u009b31m\rX';
    expect(printable(name)).toBe('web\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m\\u000dX');
    // shown as is again: nothing left to escape
    for (const shown of [formatCell(name), formatCell({ name }), formatCell([{ name }])]) expect(printable(shown)).toBe(shown);
    const table = formatTable([{ name }], [{ header: 'name' }]);
    expect(printable(table, true)).toBe(table);
    expect(printable('two\nlines\u001b', true)).toBe('two\nlines\\u001b');
  });
});
