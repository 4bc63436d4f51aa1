// The io-backend's subjects (declared in libs/contracts/src/protocol/io-backend.ts).
import { Controller } from '@nestjs/common';
import { protocol, type PayloadOf } from '@virtsim/contracts';
import { Handle } from '@virtsim/service-kit';
import { IoBackend } from './commands.js';
import { hostView, vmView } from './views.js';

const io = protocol['io-backend'];

@Controller()
export class IoBackendHandlers {
  constructor(private readonly io: IoBackend) {}

  @Handle(io.attachDevices)
  attach(req: PayloadOf<typeof io.attachDevices>) { return this.io.attach(req); }

  @Handle(io.attachDevices.many)
  attachMany(req: PayloadOf<typeof io.attachDevices.many>) { return this.io.attachMany(req); }

  @Handle(io.releaseDevices)
  release(req: PayloadOf<typeof io.releaseDevices>) { return this.io.release(req); }

  @Handle(io.installTools)
  installTools(req: PayloadOf<typeof io.installTools>) { return this.io.installTools(req); }

  @Handle(io.checkPowerOn)
  checkPowerOn(req: PayloadOf<typeof io.checkPowerOn>) { return this.io.checkPowerOn(req); }

  @Handle(io.canMigrate)
  canMigrate(req: PayloadOf<typeof io.canMigrate>) { return this.io.canMigrate(req); }

  @Handle(io.equivalentFree)
  equivalentFree(req: PayloadOf<typeof io.equivalentFree>) { return this.io.equivalentFree(req); }

  @Handle(io.tick)
  tick(req: PayloadOf<typeof io.tick>) { return this.io.tick(req); }

  @Handle(io.vm)
  async vm(req: PayloadOf<typeof io.vm>) { return vmView(await this.io.caughtUp(), req.vmId); }

  @Handle(io.host)
  async host(req: PayloadOf<typeof io.host>) { return hostView(await this.io.caughtUp(), req.hostId); }
}
