// NATS / in-process message handlers of the ha-monitor (subjects without prefix, docs/service-kit.md).
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { zodPipe } from '@virtsim/service-kit';
import { HaMonitor } from './ha-monitor.service.js';
import {
  AdmitRequest, ClusterQuery, HostFaultRequest, HostQuery, HostRecoverRequest, TickRequest, VmFaultRequest, VmQuery,
} from './requests.js';
import { clusterView, hostView, vmView } from './views.js';

@Controller()
export class HaMonitorHandlers {
  constructor(private readonly ha: HaMonitor) {}

  @MessagePattern('ha-monitor.admit')
  admit(@Payload(zodPipe(AdmitRequest)) req: AdmitRequest) { return this.ha.admit(req); }

  @MessagePattern('ha-monitor.host-fault')
  hostFault(@Payload(zodPipe(HostFaultRequest)) req: HostFaultRequest) { return this.ha.hostFault(req); }

  @MessagePattern('ha-monitor.host-recover')
  hostRecover(@Payload(zodPipe(HostRecoverRequest)) req: HostRecoverRequest) { return this.ha.hostRecover(req); }

  @MessagePattern('ha-monitor.vm-fault')
  vmFault(@Payload(zodPipe(VmFaultRequest)) req: VmFaultRequest) { return this.ha.vmFault(req); }

  @MessagePattern('ha-monitor.tick')
  tick(@Payload(zodPipe(TickRequest)) req: TickRequest) { return this.ha.tick(req); }

  @MessagePattern('ha-monitor.vm')
  async vm(@Payload(zodPipe(VmQuery)) req: VmQuery) {
    await this.ha.ctx.projection.catchUp();
    return vmView(this.ha.ctx.state, req.vmId);
  }

  @MessagePattern('ha-monitor.host')
  async host(@Payload(zodPipe(HostQuery)) req: HostQuery) {
    await this.ha.ctx.projection.catchUp();
    return hostView(this.ha.ctx.state, req.hostId);
  }

  @MessagePattern('ha-monitor.cluster')
  async cluster(@Payload(zodPipe(ClusterQuery)) req: ClusterQuery) {
    await this.ha.ctx.projection.catchUp();
    return clusterView(this.ha.ctx.state, req.clusterId);
  }
}
