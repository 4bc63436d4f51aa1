// The ha-monitor's subjects (declared in libs/contracts/src/protocol/ha-monitor.ts).
import { Controller } from '@nestjs/common';
import { protocol, type PayloadOf } from '@virtsim/contracts';
import { Handle } from '@virtsim/service-kit';
import { HaMonitor } from './commands.js';
import { clusterView, hostView, vmView } from './views.js';

const ha = protocol['ha-monitor'];

@Controller()
export class HaMonitorHandlers {
  constructor(private readonly ha: HaMonitor) {}

  @Handle(ha.admit)
  admit(req: PayloadOf<typeof ha.admit>) { return this.ha.admit(req); }

  @Handle(ha.hostFault)
  hostFault(req: PayloadOf<typeof ha.hostFault>) { return this.ha.hostFault(req); }

  @Handle(ha.hostRecover)
  hostRecover(req: PayloadOf<typeof ha.hostRecover>) { return this.ha.hostRecover(req); }

  @Handle(ha.vmFault)
  vmFault(req: PayloadOf<typeof ha.vmFault>) { return this.ha.vmFault(req); }

  @Handle(ha.tick)
  tick(req: PayloadOf<typeof ha.tick>) { return this.ha.tick(req); }

  @Handle(ha.vm)
  async vm(req: PayloadOf<typeof ha.vm>) {
    await this.ha.ctx.projection.catchUp();
    return vmView(this.ha.ctx.state, req.vmId);
  }

  @Handle(ha.host)
  async host(req: PayloadOf<typeof ha.host>) {
    await this.ha.ctx.projection.catchUp();
    return hostView(this.ha.ctx.state, req.hostId);
  }

  @Handle(ha.cluster)
  async cluster(req: PayloadOf<typeof ha.cluster>) {
    await this.ha.ctx.projection.catchUp();
    return clusterView(this.ha.ctx.state, req.clusterId);
  }
}
