// The scheduler's subjects (declared in libs/contracts/src/protocol/scheduler.ts), each handed to
// commands.ts or, for a read model, answered from views.ts on the caught-up state.
import { Controller } from '@nestjs/common';
import { protocol, type PayloadOf } from '@virtsim/contracts';
import { Handle } from '@virtsim/service-kit';
import { Scheduler } from './commands.js';
import { cpuModesView, drsRecommendationsView, hostView, vmView } from './views.js';

const sch = protocol.scheduler;

@Controller()
export class SchedulerHandlers {
  constructor(private readonly scheduler: Scheduler) {}

  @Handle(sch.place)
  place(req: PayloadOf<typeof sch.place>) { return this.scheduler.place(req); }

  @Handle(sch.place.many)
  placeMany(req: PayloadOf<typeof sch.place.many>) { return this.scheduler.placeMany(req); }

  @Handle(sch.releasePlacement)
  release(req: PayloadOf<typeof sch.releasePlacement>) { return this.scheduler.release(req); }

  @Handle(sch.selectHost)
  selectHost(req: PayloadOf<typeof sch.selectHost>) { return this.scheduler.selectHost(req); }

  @Handle(sch.selectHosts)
  selectHosts(req: PayloadOf<typeof sch.selectHosts>) { return this.scheduler.selectHosts(req); }

  @Handle(sch.drsRecommendations)
  async drsRecommendations(req: PayloadOf<typeof sch.drsRecommendations>) { return drsRecommendationsView(await this.scheduler.caughtUp(), req.clusterId); }

  @Handle(sch.drsApply)
  drsApply(req: PayloadOf<typeof sch.drsApply>) { return this.scheduler.drsApply(req); }

  @Handle(sch.tick)
  tick(req: PayloadOf<typeof sch.tick>) { return this.scheduler.tick(req); }

  @Handle(sch.vm)
  async vm(req: PayloadOf<typeof sch.vm>) { return vmView(await this.scheduler.caughtUp(), req.vmId); }

  @Handle(sch.host)
  async host(req: PayloadOf<typeof sch.host>) { return hostView(await this.scheduler.caughtUp(), req.hostId); }

  @Handle(sch.cpuModes)
  async cpuModes(req: PayloadOf<typeof sch.cpuModes>) { return cpuModesView(await this.scheduler.caughtUp(), req); }
}
