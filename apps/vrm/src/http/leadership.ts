// A standby vrm answers 503 naming the leader, except for probes and GET /leader: only the leader
// changes anything, and only the leader runs sagas and the clock.
import { Controller, Get, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiTags } from '@nestjs/swagger';
import { VirtsimError } from '@virtsim/contracts';
import { LeaderElector, PUBLIC_ROUTE } from '@virtsim/service-kit';

@Injectable()
export class LeaderGuard implements CanActivate {
  constructor(private readonly leader: LeaderElector, private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || this.leader.isLeader) return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) || context.getClass() === LeaderController) return true;
    // a leader whose lease session just broke re-takes it within a poll: do not refuse during that blink
    for (let i = 0; i < 15 && !this.leader.isLeader; i++) await new Promise((r) => setTimeout(r, 100));
    if (this.leader.isLeader) return true;
    const info = await this.leader.info().catch(() => null);
    throw new VirtsimError('unavailable', `this vrm is the standby; the leader is ${info?.url ?? info?.holder ?? 'being elected'}`,
      { rule: 'leader.standby', leader: info?.url ?? null, holder: info?.holder ?? null, epoch: info?.epoch ?? null });
  }
}

@ApiTags('management')
@Controller('leader')
export class LeaderController {
  constructor(private readonly leader: LeaderElector) {}

  @Get()
  async get() {
    const info = await this.leader.info();
    return { role: this.leader.isLeader ? 'leader' : 'standby', self: this.leader.holder, epoch: this.leader.isLeader ? this.leader.epoch : null, leader: info };
  }
}
