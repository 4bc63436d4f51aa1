// The vrm's HTTP surface: /api/v1 prefix, 1 MiB JSON body limit (413 beyond), OpenAPI, and /health and
// /metrics also at the root for probes and scrapers.
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { setupOpenApi } from './openapi.js';

export const API_PREFIX = 'api/v1';
export const BODY_LIMIT = '1mb';

export function configureHttp(app: INestApplication): void {
  const web = app as NestExpressApplication;
  web.use((req: Request, _res: Response, next: NextFunction) => {
    if (req.url === '/health' || req.url === '/metrics') req.url = `/${API_PREFIX}${req.url}`;
    next();
  });
  web.useBodyParser('json', { limit: BODY_LIMIT });
  web.useBodyParser('raw', { type: ['application/x-tar', 'application/octet-stream'], limit: '64mb' });
  web.setGlobalPrefix(API_PREFIX);
  web.enableShutdownHooks();
  setupOpenApi(web);
}
