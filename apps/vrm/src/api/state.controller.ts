// Replay and audit across services: GET /state?at=, GET /state/hash?at=, GET /verify.
import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { stateHash } from '@virtsim/domain';
import { SERVICES } from '@virtsim/messaging';
import { ServiceContext, zodPipe, type ServiceStateAnswer, type VerifyAnswer } from '@virtsim/service-kit';
import { z } from 'zod';
import { QueryDoc } from '../http/openapi.js';

export const AtQuery = z.strictObject({ at: z.coerce.number().int().min(0).optional() });

@ApiTags('replay')
@Controller()
export class StateController {
  constructor(private readonly ctx: ServiceContext) {}

  @Get('state')
  @QueryDoc(AtQuery)
  async state(@Query(zodPipe(AtQuery, 'query')) q: z.infer<typeof AtQuery>) {
    const answers = await this.ask<ServiceStateAnswer>('state', q);
    return { position: position(answers, q.at), hash: combined(answers), services: Object.fromEntries(answers.map((a) => [a.service, a.state])) };
  }

  @Get('state/hash')
  @QueryDoc(AtQuery)
  async hash(@Query(zodPipe(AtQuery, 'query')) q: z.infer<typeof AtQuery>) {
    const answers = await this.ask<ServiceStateAnswer>('hash', q);
    return { position: position(answers, q.at), hash: combined(answers), services: Object.fromEntries(answers.map((a) => [a.service, a.hash])) };
  }

  @Get('verify')
  async verify() {
    const services = await this.ask<VerifyAnswer>('verify', {});
    return { ok: services.every((s) => s.equal), services };
  }

  private ask<T>(verb: string, q: { at?: number }): Promise<T[]> {
    // one at a time: a rebuild is CPU-bound, running six at once only makes each slower
    return SERVICES.reduce<Promise<T[]>>(async (acc, s) => [...(await acc), await this.ctx.request<T>(`${s}.${verb}`, q, 600_000)], Promise.resolve([]));
  }
}

const position = (answers: { position: number }[], at?: number) => at ?? Math.max(0, ...answers.map((a) => a.position));
const combined = (answers: { service: string; hash: string }[]) => stateHash(Object.fromEntries(answers.map((a) => [a.service, a.hash])));
