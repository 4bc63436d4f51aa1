// The vrm: management node. REST API, inventory, VM creation sagas, tasks, the simulation clock.
import { Global, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import type { Runtime, ServiceDefinition } from '@virtsim/service-kit';
import { TokenRegistry } from './http/auth.js';
import { configureHttp } from './http/configure.js';
import { vrmProjection, type VrmState } from './state.js';
import { VrmModule } from './vrm.module.js';

@Global()
@Module({})
class VrmAuthModule {
  static with(registry: TokenRegistry): DynamicModule {
    return { module: VrmAuthModule, providers: [{ provide: TokenRegistry, useValue: registry }], exports: [TokenRegistry] };
  }
}

@Module({})
class VrmRootModule {}

export const vrmDefinition: ServiceDefinition<VrmState> = {
  name: 'vrm',
  projection: vrmProjection,
  module: async (rt: Runtime) => ({ module: VrmRootModule, imports: [VrmAuthModule.with(await tokens(rt)), VrmModule] }),
};

export function vrmHttp(app: INestApplication): void {
  configureHttp(app);
}

/** VIRTSIM_API_TOKENS, else an admin token made once, printed once, kept in the data folder */
async function tokens(rt: Runtime): Promise<TokenRegistry> {
  if (rt.config.VIRTSIM_API_TOKENS) return TokenRegistry.parse(rt.config.VIRTSIM_API_TOKENS);
  const { registry, created, file } = await TokenRegistry.fromDataDir(rt.config.VIRTSIM_DATA_DIR);
  if (created) process.stdout.write(`virtsim: created an admin API token (kept in ${file}): ${created}\n`);
  return registry;
}
