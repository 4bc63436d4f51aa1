// The generated client sends the token as a bearer token, builds paths from the document's templates, and
// hands back the problem document of a refusal as `error`.
import { virtsimClient } from './index.js';

test('GET /api/v1/vms/{id} with a token; a 404 problem comes back as error', async () => {
  const seen: Request[] = [];
  const fetch = async (req: Request) => {
    seen.push(req);
    return new Response(JSON.stringify({ type: 'https://virtsim.dev/problems/not-found', title: 'Not found', status: 404, detail: 'no VM vm-9' }),
      { status: 404, headers: { 'content-type': 'application/problem+json' } });
  };
  const api = virtsimClient({ baseUrl: 'http://vrm:8080', token: 't0k', fetch });
  const { data, error, response } = await api.GET('/api/v1/vms/{id}', { params: { path: { id: 'vm-9' } } });
  expect(seen[0].url).toBe('http://vrm:8080/api/v1/vms/vm-9');
  expect(seen[0].headers.get('authorization')).toBe('Bearer t0k');
  expect(response.status).toBe(404);
  expect(data).toBeUndefined();
  expect(error).toMatchObject({ status: 404, detail: 'no VM vm-9' });
});
