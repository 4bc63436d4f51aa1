// The memory-manager's subjects (declared in libs/contracts/src/protocol/memory-manager.ts), each handed
// to commands.ts or, for a read model, answered from views.ts on the caught-up state.
import { Controller } from '@nestjs/common';
import { protocol, type PayloadOf } from '@virtsim/contracts';
import { Handle } from '@virtsim/service-kit';
import { MemoryManager } from './commands.js';
import { hostView, vmView } from './views.js';

const mm = protocol['memory-manager'];

@Controller()
export class MemoryManagerHandlers {
  constructor(private readonly memory: MemoryManager) {}

  @Handle(mm.reserveMemory)
  reserve(req: PayloadOf<typeof mm.reserveMemory>) { return this.memory.reserve(req); }

  @Handle(mm.reserveMemory.many)
  reserveMany(req: PayloadOf<typeof mm.reserveMemory.many>) { return this.memory.reserveMany(req); }

  @Handle(mm.releaseMemory)
  release(req: PayloadOf<typeof mm.releaseMemory>) { return this.memory.release(req); }

  @Handle(mm.checkPowerOn)
  checkPowerOn(req: PayloadOf<typeof mm.checkPowerOn>) { return this.memory.checkPowerOn(req); }

  @Handle(mm.grow)
  grow(req: PayloadOf<typeof mm.grow>) { return this.memory.grow(req); }

  @Handle(mm.tick)
  tick(req: PayloadOf<typeof mm.tick>) { return this.memory.tick(req); }

  @Handle(mm.translate)
  translate(req: PayloadOf<typeof mm.translate>) { return this.memory.translate(req); }

  @Handle(mm.vm)
  async vm(req: PayloadOf<typeof mm.vm>) { return vmView(await this.memory.caughtUp(), req.vmId); }

  @Handle(mm.host)
  async host(req: PayloadOf<typeof mm.host>) { return hostView(await this.memory.caughtUp(), req.hostId); }
}
