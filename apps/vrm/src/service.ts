// The vrm: management node. REST API, inventory, VM creation sagas, tasks, the simulation clock.
import { Global, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { hostname } from 'node:os';
import { LeaderElector, rootLogger, type Runtime, type ServiceDefinition } from '@virtsim/service-kit';
import { MeController } from './api/me.controller.js';
import { TokenRegistry } from './http/auth.js';
import { configureHttp } from './http/configure.js';
import { vrmLeadership } from './http/forward.js';
import { vrmProjection, type VrmState } from './state.js';
import { serveConsole } from './ui/console.js';
import { VrmModule } from './vrm.module.js';

@Global()
@Module({})
class VrmAuthModule {
  static with(registry: TokenRegistry, leader: LeaderElector): DynamicModule {
    return {
      module: VrmAuthModule,
      providers: [{ provide: TokenRegistry, useValue: registry }, { provide: LeaderElector, useValue: leader }],
      exports: [TokenRegistry, LeaderElector],
    };
  }
}

@Module({ controllers: [MeController] })
class VrmRootModule {}

export const vrmDefinition: ServiceDefinition<VrmState> = {
  name: 'vrm',
  projection: vrmProjection,
  module: async (rt: Runtime) => ({ module: VrmRootModule, imports: [VrmAuthModule.with(await tokens(rt), await leadership(rt)), VrmModule] }),
};

export function vrmHttp(app: INestApplication): void {
  configureHttp(app);
  serveConsole(app);
}

/** embedded: the only vrm; distributed: compete for the lease with the other vrm instances */
async function leadership(rt: Runtime): Promise<LeaderElector> {
  const holder = `${hostname()}:${process.pid}`;
  const advertise = rt.config.VIRTSIM_ADVERTISE_URL ?? null;
  const elector = rt.config.DATABASE_URL ? LeaderElector.compete(rt.store, rt.config.DATABASE_URL, holder, advertise) : LeaderElector.sole(rt.store, holder, advertise);
  elector.on('elected', (epoch) => rootLogger().info({ epoch, holder }, 'vrm elected leader'));
  elector.on('deposed', (err) => rootLogger().warn({ err, holder }, 'vrm lost the leader lease'));
  rt.onClose(() => elector.stop());
  vrmLeadership(rt, elector);
  await elector.start();
  return elector;
}

/** VIRTSIM_API_TOKENS, else an admin token made once, printed once, kept in the data folder */
async function tokens(rt: Runtime): Promise<TokenRegistry> {
  if (rt.config.VIRTSIM_API_TOKENS) return TokenRegistry.parse(rt.config.VIRTSIM_API_TOKENS);
  const { registry, created, file } = await TokenRegistry.fromDataDir(rt.config.VIRTSIM_DATA_DIR);
  if (created) process.stdout.write(`virtsim: created an admin API token (kept in ${file}): ${created}\n`);
  return registry;
}
