// finishDocument on a small document: summaries from OPERATIONS, bodies and answers named in components,
// problem answers, public routes without security; an operation without a summary is refused.
import type { OpenAPIObject } from '@nestjs/swagger';
import { finishDocument, operationId } from './openapi.js';

const doc = (paths: Record<string, unknown>): OpenAPIObject => ({ openapi: '3.0.0', info: { title: 't', version: '1' }, paths, components: {} }) as OpenAPIObject;

test('operation ids, summaries, named schemas, problem answers and public routes', () => {
  expect(operationId('ClustersController', 'addHost')).toBe('clusters_addHost');
  const out = finishDocument(doc({
    '/api/v1/clusters/{id}/hosts': { post: { operationId: 'clusters_addHost', parameters: [{ name: 'id', in: 'path' }], requestBody: { content: { 'application/json': { schema: { type: 'object' } } } }, responses: { 201: { description: '' } } } },
    '/api/v1/health': { get: { operationId: 'health_check', responses: { 200: { description: '' } } } },
  }));
  const add = out.paths['/api/v1/clusters/{id}/hosts'].post as any;
  expect(add.summary).toBe('Add a host to a cluster');
  expect(add.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ClustersAddHostRequest' });
  expect(add.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Host' });
  expect(Object.keys(add.responses).sort()).toEqual(['201', '400', '401', '403', '404', '409', '503']);
  expect(add.security).toBeUndefined();
  expect((out.paths['/api/v1/health'].get as any).security).toEqual([]);
  expect(out.components!.schemas!.ClustersAddHostRequest).toEqual({ type: 'object' });
  expect(JSON.stringify(out.components!.schemas)).not.toMatch(/"(const|propertyNames)":/);
  expect(out.servers![0].url).toBe('http://localhost:8080');
});

test('an operation not listed in OPERATIONS gets its method and path as summary', () => {
  const out = finishDocument(doc({ '/api/v1/x/{id}': { get: { operationId: 'x_y', responses: { 200: { description: '' } } } } }));
  expect((out.paths['/api/v1/x/{id}'].get as any).summary).toBe('GET /x/{id}');
});
