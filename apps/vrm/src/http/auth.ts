// Bearer tokens with three roles. admin: everything; operator: VM and host operations, no cluster
// policy or rule changes; auditor: read only (events, state, audit, replay).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { VirtsimError } from '@virtsim/contracts';
import type { Request } from 'express';
import { parseApiTokens, PUBLIC_ROUTE, type ApiRole } from '@virtsim/service-kit';

export type Role = ApiRole;
/** the one route a browser's EventSource reaches without headers: only it takes `?token=` */
const QUERY_TOKEN_ROUTE = '/api/v1/events/stream';
export const ROLES_KEY = 'virtsim:roles';


/** roles allowed to call a mutating route; GET routes are open to every role */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export class TokenRegistry {
  constructor(private readonly tokens: Map<string, Role>) {}

  /** strict: a malformed entry, an unknown role or a token given twice refuses to start, naming the entry */
  static parse(spec: string): TokenRegistry {
    return new TokenRegistry(parseApiTokens(spec));
  }

  /** no tokens configured: create an admin token once, print it, keep it in the data folder */
  static async fromDataDir(dataDir: string): Promise<{ registry: TokenRegistry; created: string | null; file: string }> {
    const file = join(dataDir, 'admin-token');
    try {
      const token = (await readFile(file, 'utf8')).trim();
      if (token) return { registry: new TokenRegistry(new Map([[token, 'admin']])), created: null, file };
    } catch { /* first start */ }
    const token = randomBytes(24).toString('base64url');
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, token + '\n', { mode: 0o600 });
    return { registry: new TokenRegistry(new Map([[token, 'admin']])), created: token, file };
  }

  roleOf(token: string | undefined): Role | null {
    return token ? this.tokens.get(token) ?? null : null;
  }
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly registry: TokenRegistry, private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & { role?: Role }>();
    const header = req.headers.authorization;
    const role = this.registry.roleOf(tokenOf(req));
    if (!role) throw new VirtsimError('unauthorized', header ? 'unknown API token' : 'missing Authorization: Bearer <token>');
    req.role = role;
    if (req.method === 'GET' || req.method === 'HEAD') return true;
    const allowed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? ['admin'];
    if (!allowed.includes(role)) {
      throw new VirtsimError('forbidden', `role ${role} may not ${req.method} ${req.path} (allowed: ${allowed.join(', ')})`, { role, allowed });
    }
    return true;
  }
}

/** the bearer token of a request: the Authorization header; `?token=` only on the event stream */
export function tokenOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) return header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  const query = req.method === 'GET' && req.path === QUERY_TOKEN_ROUTE ? req.query.token : undefined;
  return typeof query === 'string' ? query : undefined;
}
