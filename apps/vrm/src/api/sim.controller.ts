import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { zodPipe } from '@virtsim/service-kit';
import { z } from 'zod';
import { Clock } from '../clock.js';
import { Roles } from '../http/auth.js';
import { BodyDoc } from '../http/openapi.js';

export const AdvanceBody = z.strictObject({ seconds: z.number().int().min(1).max(7 * 86_400) });

@ApiTags('simulation')
@Controller('sim')
export class SimController {
  constructor(private readonly clock: Clock) {}

  @Get('clock')
  now() {
    return this.clock.now;
  }

  @Post('advance')
  @HttpCode(200)
  @Roles('admin', 'operator')
  @BodyDoc(AdvanceBody)
  advance(@Body(zodPipe(AdvanceBody)) body: z.infer<typeof AdvanceBody>) {
    return this.clock.advance(body.seconds);
  }
}
