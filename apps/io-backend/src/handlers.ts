// NATS / in-process message handlers of the io-backend (subjects without prefix, docs/service-kit.md).
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { StepBatchRequest } from '@virtsim/contracts';
import { zodPipe } from '@virtsim/service-kit';
import { IoBackend } from './io-backend.service.js';
import {
  AttachRequest, CanMigrateRequest, CheckPowerOnRequest, EquivalentFreeRequest, HostQuery, InstallToolsRequest, ReleaseRequest, TickRequest, VmQuery,
} from './requests.js';
import { hostView, vmView } from './views.js';

@Controller()
export class IoBackendHandlers {
  constructor(private readonly io: IoBackend) {}

  @MessagePattern('io-backend.attach-devices')
  attach(@Payload(zodPipe(AttachRequest)) req: AttachRequest) { return this.io.attach(req); }

  @MessagePattern('io-backend.attach-devices-many')
  attachMany(@Payload(zodPipe(StepBatchRequest)) req: StepBatchRequest) { return this.io.attachMany(req); }

  @MessagePattern('io-backend.release-devices')
  release(@Payload(zodPipe(ReleaseRequest)) req: ReleaseRequest) { return this.io.release(req); }

  @MessagePattern('io-backend.install-tools')
  installTools(@Payload(zodPipe(InstallToolsRequest)) req: InstallToolsRequest) { return this.io.installTools(req); }

  @MessagePattern('io-backend.check-power-on')
  checkPowerOn(@Payload(zodPipe(CheckPowerOnRequest)) req: CheckPowerOnRequest) { return this.io.checkPowerOn(req); }

  @MessagePattern('io-backend.can-migrate')
  canMigrate(@Payload(zodPipe(CanMigrateRequest)) req: CanMigrateRequest) { return this.io.canMigrate(req); }

  @MessagePattern('io-backend.equivalent-free')
  equivalentFree(@Payload(zodPipe(EquivalentFreeRequest)) req: EquivalentFreeRequest) { return this.io.equivalentFree(req); }

  @MessagePattern('io-backend.tick')
  tick(@Payload(zodPipe(TickRequest)) req: TickRequest) { return this.io.tick(req); }

  @MessagePattern('io-backend.vm')
  async vm(@Payload(zodPipe(VmQuery)) req: VmQuery) { return vmView(await this.io.caughtUp(), req.vmId); }

  @MessagePattern('io-backend.host')
  async host(@Payload(zodPipe(HostQuery)) req: HostQuery) { return hostView(await this.io.caughtUp(), req.hostId); }
}
