// Bearer tokens with three roles. admin: everything; operator: VM and host operations, no cluster
// policy or rule changes; auditor: read only (events, state, audit, replay).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { VirtsimError } from '@virtsim/contracts';
import type { Request } from 'express';
import { PUBLIC_ROUTE } from '@virtsim/service-kit';

export type Role = 'admin' | 'operator' | 'auditor';
export const ROLES_KEY = 'virtsim:roles';


/** roles allowed to call a mutating route; GET routes are open to every role */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export class TokenRegistry {
  constructor(private readonly tokens: Map<string, Role>) {}

  static parse(spec: string): TokenRegistry {
    return new TokenRegistry(new Map(spec.split(',').map((pair) => {
      const [role, token] = pair.split(':');
      return [token, role as Role];
    })));
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
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : (req.query.token as string | undefined);
    const role = this.registry.roleOf(token);
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
