// NATS / in-process message handlers of the migration service (subjects without prefix, docs/service-kit.md).
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { zodPipe } from '@virtsim/service-kit';
import { Migrations } from './migration.service.js';
import {
  CancelRequest, EvacuateRequest, HostQuery, StartRequest, StatusRequest, TickRequest, VmQuery,
} from './requests.js';
import { hostView, statusView, vmView } from './views.js';

@Controller()
export class MigrationHandlers {
  constructor(private readonly migrations: Migrations) {}

  @MessagePattern('migration.start')
  start(@Payload(zodPipe(StartRequest)) req: StartRequest) { return this.migrations.start(req); }

  @MessagePattern('migration.evacuate')
  evacuate(@Payload(zodPipe(EvacuateRequest)) req: EvacuateRequest) { return this.migrations.evacuate(req); }

  @MessagePattern('migration.cancel')
  cancel(@Payload(zodPipe(CancelRequest)) req: CancelRequest) { return this.migrations.cancel(req); }

  @MessagePattern('migration.tick')
  tick(@Payload(zodPipe(TickRequest)) req: TickRequest) { return this.migrations.tick(req); }

  @MessagePattern('migration.status')
  async status(@Payload(zodPipe(StatusRequest)) req: StatusRequest) { return statusView(await this.migrations.caughtUp(), req.migrationId); }

  @MessagePattern('migration.vm')
  async vm(@Payload(zodPipe(VmQuery)) req: VmQuery) { return vmView(await this.migrations.caughtUp(), req.vmId); }

  @MessagePattern('migration.host')
  async host(@Payload(zodPipe(HostQuery)) req: HostQuery) { return hostView(await this.migrations.caughtUp(), req.hostId); }
}
