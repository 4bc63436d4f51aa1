import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditController } from './api/audit.controller.js';
import { ClustersController } from './api/clusters.controller.js';
import { EncapsulationController } from './api/encapsulation.controller.js';
import { EventsController } from './api/events.controller.js';
import { CpuController } from './api/cpu.controller.js';
import { GuestOsController } from './api/guest-os.controller.js';
import { HostsController } from './api/hosts.controller.js';
import { InvariantsController } from './api/invariants.controller.js';
import { SimController } from './api/sim.controller.js';
import { StateController } from './api/state.controller.js';
import { TasksController } from './api/tasks.controller.js';
import { VmBatchController, VmsController } from './api/vms.controller.js';
import { WhatIfController } from './api/whatif.controller.js';
import { Clock } from './clock.js';
import { ClockDriver } from './clock-driver.js';
import { AuthGuard } from './http/auth.js';
import { LeaderController, LeaderGuard } from './http/leadership.js';
import { InvariantWatcher } from './invariants/watcher.js';
import { PowerOn } from './power-on.js';
import { SagaRunner } from './saga-runner.js';
import { StepBatcher } from './step-batcher.js';
import { Tasks } from './tasks.js';
import { VmCreation } from './vm-creation.js';
import { Watchdog } from './watchdog.js';
import { Vrm } from './vrm.service.js';
import { WhatIf } from './whatif/whatif.service.js';

@Module({
  controllers: [
    ClustersController, HostsController, VmBatchController, EncapsulationController, VmsController, TasksController,
    SimController, EventsController, StateController, AuditController, LeaderController, InvariantsController, WhatIfController, GuestOsController, CpuController,
  ],
  providers: [Vrm, PowerOn, StepBatcher, SagaRunner, VmCreation, Tasks, Clock, ClockDriver, Watchdog, InvariantWatcher, WhatIf, { provide: APP_GUARD, useClass: AuthGuard }, { provide: APP_GUARD, useClass: LeaderGuard }],
})
export class VrmModule {}
