// The vrm's HTTP surface: /api/v1 prefix, body limits per route (413 beyond), OpenAPI, and /health and
// /metrics also at the root for probes and scrapers. A request that carries a body is refused (401) before a
// byte of it is read unless its token is known: an unauthenticated client cannot make the process read anything.
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { TokenRegistry, tokenOf } from './auth.js';
import { setupOpenApi } from './openapi.js';
import { forwardToLeader } from './forward.js';
import { HTTP_STATUS, unstorableText, VirtsimError } from '@virtsim/contracts';
import { accessLog, problem } from '@virtsim/service-kit';

export const API_PREFIX = 'api/v1';
/** every JSON body: application/json, UTF-8/16/32, identity, gzip or deflate (the limit counts inflated bytes) */
export const JSON_BODY_LIMIT = 1024 * 1024;
/** POST /vms:import only: an exported VM archive (application/x-tar); every other route reads no raw body */
export const ARCHIVE_BODY_LIMIT = 4 * 1024 * 1024;
const ARCHIVE_ROUTE = `/${API_PREFIX}/vms:import`;

export function configureHttp(app: INestApplication): void {
  const web = app as NestExpressApplication;
  const registry = app.get(TokenRegistry, { strict: false });
  web.use(accessLog('vrm'), forwardToLeader(app));
  web.use((req: Request, res: Response, next: NextFunction) => {
    if (/^\/(health(\/(ready|live))?|metrics)$/.test(req.url)) req.url = `/${API_PREFIX}${req.url}`;
    const path = pathProblem(req);
    if (path) return refuse(res, new VirtsimError('invalid', `request path is invalid: ${path}`, { errors: [{ path: '(path)', message: path }] }));
    if (hasBody(req) && !registry.roleOf(tokenOf(req))) {
      return refuse(res, new VirtsimError('unauthorized', req.headers.authorization ? 'unknown API token' : 'missing Authorization: Bearer <token>'));
    }
    next();
  });
  web.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  web.useBodyParser('raw', {
    type: (req: Request) => req.method === 'POST' && req.path === ARCHIVE_ROUTE && /^application\/(x-tar|octet-stream)\b/.test(req.headers['content-type'] ?? ''),
    limit: ARCHIVE_BODY_LIMIT,
  } as never);
  web.setGlobalPrefix(API_PREFIX);
  web.enableShutdownHooks();
  setupOpenApi(web);
}

/** the body is left unread: the connection closes after the answer */
function refuse(res: Response, e: VirtsimError): void {
  res.status(HTTP_STATUS[e.code]).setHeader('connection', 'close');
  res.type('application/problem+json').send(JSON.stringify(problem(e)));
}

/** ids in the path reach lookups and SQL parameters: they must decode and be storable text */
function pathProblem(req: Request): string | null {
  try {
    return unstorableText(decodeURIComponent(req.path));
  } catch {
    return 'not valid percent-encoded UTF-8';
  }
}

const hasBody = (req: Request) => (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
