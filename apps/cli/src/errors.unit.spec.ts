// --json failures are RFC 9457 problem documents: the API's own, or the CLI's usage / failed ones.
import { problemOf, UsageError, CliError } from './errors.js';
import { ApiError } from './http.js';

test("an API refusal keeps the server's document and names the request", () => {
  const err = new ApiError(400, { type: 'https://virtsim.dev/problems/invalid', title: 'Invalid request', status: 400, detail: 'vcpus too large', errors: [{ path: 'vcpus', message: 'at most 128' }] }, 'POST', '/vms');
  expect(problemOf(err)).toEqual({
    type: 'https://virtsim.dev/problems/invalid', title: 'Invalid request', status: 400, detail: 'vcpus too large',
    errors: [{ path: 'vcpus', message: 'at most 128' }], instance: 'POST /vms',
  });
  // a bare answer still becomes a document
  expect(problemOf(new ApiError(502, {}, 'GET', '/hosts'))).toMatchObject({ type: 'about:blank', title: 'HTTP 502', status: 502, instance: 'GET /hosts' });
});

test('the CLI\'s own failures: usage (with the matches it lists) and failed', () => {
  expect(problemOf(new UsageError('2 vms are named "db": give the id', ['vm-2  db', 'vm-3  db']))).toEqual({
    type: 'https://virtsim.dev/problems/cli/usage', title: 'Invalid command line', detail: '2 vms are named "db": give the id', errors: ['vm-2  db', 'vm-3  db'],
  });
  expect(problemOf(new CliError('task failed'))).toEqual({ type: 'https://virtsim.dev/problems/cli/failed', title: 'Command failed', detail: 'task failed' });
  expect(problemOf(new Error("error: unknown option '--nope'"), true)).toMatchObject({ type: 'https://virtsim.dev/problems/cli/usage', detail: "unknown option '--nope'" });
});
