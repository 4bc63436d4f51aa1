import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { inventory } from '@virtsim/domain';
import { zodPipe } from '@virtsim/service-kit';
import { z } from 'zod';
import { Clock } from '../clock.js';
import { ClockDriver } from '../clock-driver.js';
import { effectiveClockMode } from '../clock-mode.js';
import { Roles } from '../http/auth.js';
import { BodyDoc } from '../http/openapi.js';
import { Vrm } from '../vrm.service.js';

export const AdvanceBody = z.strictObject({ seconds: z.number().int().min(1).max(7 * 86_400) });
export const RunBody = z.strictObject({ rate: z.number().gt(0).max(inventory.MAX_CLOCK_RATE) });

@ApiTags('simulation')
@Controller('sim')
export class SimController {
  constructor(private readonly vrm: Vrm, private readonly clock: Clock, private readonly driver: ClockDriver) {}

  @Get('clock')
  now() {
    const mode = effectiveClockMode(this.vrm);
    return { ...this.clock.now, mode: mode.mode, rate: mode.rate };
  }

  @Post('advance')
  @HttpCode(200)
  @Roles('admin', 'operator')
  @BodyDoc(AdvanceBody)
  advance(@Body(zodPipe(AdvanceBody)) body: z.infer<typeof AdvanceBody>) {
    return this.clock.advance(body.seconds);
  }

  @Post('run')
  @HttpCode(200)
  @Roles('admin', 'operator')
  @BodyDoc(RunBody)
  async run(@Body(zodPipe(RunBody)) body: z.infer<typeof RunBody>) {
    await this.clock.setMode({ type: 'RunClock', rate: body.rate });
    return this.now();
  }

  @Post('pause')
  @HttpCode(200)
  @Roles('admin', 'operator')
  async pause() {
    await this.clock.setMode({ type: 'PauseClock' });
    await this.driver.settled();
    return this.now();
  }
}
