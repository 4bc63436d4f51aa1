// The web console's static files at /ui, same origin as the API (built by `npm run build` into dist/console).
// Only files are served here: the console signs in with an API token and calls /api/v1 like any client.
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NextFunction, Request, Response } from 'express';

export const CONSOLE_PATH = '/ui';
// everything from this origin; no inline script; the bundle adopts its style sheet through the CSSOM
const CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** dist/console, whether this file runs compiled (dist/apps/vrm/src/ui) or from source (apps/vrm/src/ui) */
export function consoleDir(): string | null {
  const candidates = ['../../../../console/', '../../../../dist/console/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((dir) => existsSync(`${dir}index.html`)) ?? null;
}

export function serveConsole(app: INestApplication, dir = consoleDir()): void {
  const web = app as NestExpressApplication;
  web.use(CONSOLE_PATH, (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('content-security-policy', CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    if (dir) return next();
    res.status(503).type('text/plain').send('the web console is not built: run `npm run build`\n');
  });
  if (dir) web.useStaticAssets(dir, { prefix: CONSOLE_PATH, index: 'index.html', maxAge: 0, fallthrough: true });
}
