// The migration service's subjects (declared in libs/contracts/src/protocol/migration.ts).
import { Controller } from '@nestjs/common';
import { protocol, type PayloadOf } from '@virtsim/contracts';
import { Handle } from '@virtsim/service-kit';
import { Migrations } from './commands.js';
import { hostView, statusView, vmView } from './views.js';

const mig = protocol.migration;

@Controller()
export class MigrationHandlers {
  constructor(private readonly migrations: Migrations) {}

  @Handle(mig.start)
  start(req: PayloadOf<typeof mig.start>) { return this.migrations.start(req); }

  @Handle(mig.evacuate)
  evacuate(req: PayloadOf<typeof mig.evacuate>) { return this.migrations.evacuate(req); }

  @Handle(mig.cancel)
  cancel(req: PayloadOf<typeof mig.cancel>) { return this.migrations.cancel(req); }

  @Handle(mig.tick)
  tick(req: PayloadOf<typeof mig.tick>) { return this.migrations.tick(req); }

  @Handle(mig.status)
  async status(req: PayloadOf<typeof mig.status>) { return statusView(await this.migrations.caughtUp(), req.migrationId); }

  @Handle(mig.vm)
  async vm(req: PayloadOf<typeof mig.vm>) { return vmView(await this.migrations.caughtUp(), req.vmId); }

  @Handle(mig.host)
  async host(req: PayloadOf<typeof mig.host>) { return hostView(await this.migrations.caughtUp(), req.hostId); }
}
