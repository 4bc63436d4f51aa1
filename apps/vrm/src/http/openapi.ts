// OpenAPI generated from the same zod schemas the handlers validate with (zod's JSON Schema output with its
// OpenAPI 3.0 target), attached through @nestjs/swagger decorators, then finished by `finishDocument`: summaries,
// named request and response schemas, problem+json answers, servers and public routes. Served at
// /api/v1/openapi.json and /openapi.json, as a UI at /api/v1/docs. `npm run lint:openapi` (Redocly, recommended
// rules) keeps it clean; libs/client is generated from it.
import { applyDecorators, type INestApplication } from '@nestjs/common';
import { ApiBody, ApiQuery, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { EXAMPLES, OPERATIONS, RESPONSE_SCHEMAS } from './openapi-schemas.js';

export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;
  return rest;
}

/** documents a JSON body with its zod schema */
export const BodyDoc = (schema: z.ZodType, description?: string) => ApiBody({ schema: jsonSchema(schema), description });

/** documents query parameters from a zod object */
export const QueryDoc = (schema: z.ZodObject) =>
  applyDecorators(...Object.entries(schema.shape).map(([name, s]) => ApiQuery({ name, required: !(s as z.ZodType).safeParse(undefined).success, schema: jsonSchema(s as z.ZodType) })));

/** the named response schemas as components; one named inside another is a $ref to it (TranslationList -> Translation) */
function responseSchemas(): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(RESPONSE_SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $id: _id, $schema: _s, ...rest }]) => [id, typedNullableRefs(rest) as Record<string, unknown>]));
}

/** OpenAPI 3.0 wants a `type` beside `nullable`: a nullable reference (`{nullable, allOf: [$ref]}`) is an object */
function typedNullableRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(typedNullableRefs);
  if (!node || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, typedNullableRefs(v)]));
  if (out.nullable === true && out.type === undefined && Array.isArray(out.allOf)) out.type = 'object';
  return out;
}

/** routes answered without a token (probes and scrapers) */
const PUBLIC_PATH = /^\/api\/v1\/(health(\/(ready|live))?|metrics)$/;

/** `ClustersController` + `addHost` -> `clusters_addHost` (the key of OPERATIONS) */
export const operationId = (controllerKey: string, methodKey: string) =>
  `${controllerKey[0].toLowerCase()}${controllerKey.slice(1).replace(/Controller$/, '')}_${methodKey}`;

const pascal = (opId: string) => opId.split('_').map((s) => s[0].toUpperCase() + s.slice(1)).join('');
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

const PROBLEMS = {
  BadRequest: problemResponse('Bad input, field by field (nothing was written)'),
  Unauthorized: problemResponse('Missing or unknown API token'),
  Forbidden: problemResponse('The token\'s role may not do this'),
  NotFound: problemResponse('No such object'),
  Conflict: problemResponse('Refused by a rule, or a concurrent change won'),
  Unavailable: problemResponse('A service did not answer, or this vrm is a standby that cannot reach the leader (`leader` names it)'),
};

/** answers that are not JSON */
const NOT_JSON: Record<string, Record<string, unknown>> = {
  health_metrics: { 'text/plain': { schema: { type: 'string', description: 'Prometheus text exposition format' } } },
  encapsulation_export: { 'application/x-tar': { schema: { type: 'string', format: 'binary', description: 'the VM folder as a tar: <name>/<name>.json (format virtsim-vm/2: spec, BIOS, state, saved CPU and memory state) and <name>/<name>-disk<i>.descriptor per disk' } } },
  events_stream: { 'text/event-stream': { schema: { type: 'string', description: 'one `data:` line per event, JSON' } } },
};

type Operation = Record<string, any> & { responses: Record<string, any> };

/** completes the document @nestjs/swagger builds; pure, so a unit test can check it without a server */
export function finishDocument(doc: OpenAPIObject, serverUrl = 'http://localhost:8080'): OpenAPIObject {
  const schemas: Record<string, unknown> = { ...(doc.components?.schemas ?? {}) };
  delete schemas.Buffer;
  for (const [name, schema] of Object.entries(responseSchemas())) {
    schemas[name] = { ...schema, ...(EXAMPLES[name] ? { example: EXAMPLES[name] } : {}) };
  }
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      // a route not in OPERATIONS yet still gets a summary (the system must start); the generated client's
      // staleness test (launcher/openapi.e2e.spec.ts) shows it in the diff, and its answer stays free-form
      const [summary, responseName] = OPERATIONS[op.operationId] ?? [`${method.toUpperCase()} ${path.replace(/^\/api\/v1/, '')}`, null];
      op.summary = summary;
      const name = pascal(op.operationId);
      const body = op.requestBody?.content?.['application/json'];
      if (body?.schema?.$ref === '#/components/schemas/Buffer') {
        // POST /vms:import reads the exported archive raw (configure.ts)
        op.requestBody.content = { 'application/x-tar': { schema: { type: 'string', format: 'binary' } } };
      }
      if (body?.schema && !body.schema.$ref) {
        schemas[`${name}Request`] = body.schema;
        body.schema = ref(`${name}Request`);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^2/.test(status) || status === '204') continue;
        response.description ||= summary;
        if (NOT_JSON[op.operationId]) {
          response.content = NOT_JSON[op.operationId];
          continue;
        }
        const schema = responseName ? ref(responseName) : ref(`${name}Response`);
        const inline = response.content?.['application/json']?.schema;
        if (inline && !inline.$ref) {
          schemas[`${name}Response`] = inline;
          response.content['application/json'].schema = ref(`${name}Response`);
        } else if (!response.content) {
          if (!responseName) schemas[`${name}Response`] = { description: `${summary} (free-form JSON)`, type: 'object', additionalProperties: true };
          response.content = { 'application/json': { schema } };
        }
      }
      for (const response of Object.values(op.responses)) response.description ||= summary;
      const isPublic = PUBLIC_PATH.test(path);
      const problems: Record<string, string> = {};
      if (op.requestBody || op.parameters?.length) problems['400'] = 'BadRequest';
      if (!isPublic) problems['401'] = 'Unauthorized';
      if (!isPublic && method !== 'get') problems['403'] = 'Forbidden';
      if (path.includes('{')) problems['404'] = 'NotFound';
      if (method !== 'get') problems['409'] = 'Conflict';
      problems['503'] = 'Unavailable';
      for (const [status, problem] of Object.entries(problems)) op.responses[status] ??= { $ref: `#/components/responses/${problem}` };
      if (isPublic) op.security = [];
    }
  }
  return {
    ...doc,
    info: { ...doc.info, license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' } },
    servers: [{ url: serverUrl, description: 'this installation (npm start listens on PORT, 8080 by default)' }],
    components: {
      ...doc.components,
      // tokens are opaque random strings (VIRTSIM_API_TOKENS or the generated admin token), not JWTs
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an opaque API token: `Authorization: Bearer <token>`' } },
      schemas, responses: PROBLEMS,
    } as OpenAPIObject['components'],
  };
}

export function buildOpenApiDocument(app: INestApplication, serverUrl?: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('virtsim')
    .setDescription('Simulated compute virtualization (FusionCompute / vSphere style): clusters, hosts, VMs, HA, DRS, DPM, migration, replay.')
    .setVersion('1')
    .addBearerAuth(undefined, 'bearer')
    .addSecurityRequirements('bearer')
    .build();
  return finishDocument(SwaggerModule.createDocument(app, config, { operationIdFactory: operationId }), serverUrl);
}

export function setupOpenApi(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('api/v1/docs', app, document, { jsonDocumentUrl: 'api/v1/openapi.json', useGlobalPrefix: false });
  // API.md names /openapi.json at the root: the same document, answered by the HTTP adapter before the API prefix
  const body = JSON.stringify(document);
  app.getHttpAdapter().get('/openapi.json', (_req: Request, res: Response) => res.type('application/json').send(body));
}
