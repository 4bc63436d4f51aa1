// GET /me: who a token is. The web console asks it after sign-in to show only what the role may do.
import { Controller, Get, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Role } from '../http/auth.js';

@ApiTags('auth')
@Controller('me')
export class MeController {
  @Get()
  me(@Req() req: Request & { role?: Role }) {
    const role = req.role!;
    // mirrors the @Roles of the mutating routes: operators run VMs and hosts, only admins change policy
    return { role, may: { operate: role !== 'auditor', changePolicy: role === 'admin' } };
  }
}
