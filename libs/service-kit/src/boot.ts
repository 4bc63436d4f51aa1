// Starting one service: its projection first (snapshot + catch up), then its NestJS handlers on the
// process's transport, and, when it owns an HTTP port, /health and /metrics (plus the app's controllers).
import { Global, Module, type DynamicModule, type INestApplication, type INestMicroservice, type Type } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { hostname } from 'node:os';
import type { PrefixedNatsServer, ServiceName } from '@virtsim/messaging';
import { CommandRunner } from './command-runner.js';
import { VirtsimErrorFilter } from './errors.js';
import { HealthController } from './health.js';
import { HandlerMetricsInterceptor } from './interceptors.js';
import { PinoNestLogger, serviceLogger } from './logger.js';
import { Projection, type ProjectionDef } from './projection.js';
import { Runtime } from './runtime.js';
import { ShardLeases } from './shard-leases.js';
import { ShardRouter } from './shard-router.js';
import { stateHandlersFor } from './state-handlers.js';
import { ServiceContext } from './service-context.js';

export interface ServiceDefinition<S> {
  name: ServiceName;
  projection: ProjectionDef<S>;
  /** the app's NestJS module: message handlers (and HTTP controllers for vrm); a function when it needs the runtime first */
  module: Type<unknown> | DynamicModule | ((rt: Runtime) => Promise<Type<unknown> | DynamicModule>);
}

export interface HttpOptions {
  port: number;
  configure?: (app: INestApplication) => void | Promise<void>;
}

export interface RunningService<S> {
  ctx: ServiceContext<S>;
  app: INestApplication | INestMicroservice;
  url: string | null;
  /** sharded: the shares this replica holds */
  leases: ShardLeases | null;
  /** `snapshot: false` for a throwaway installation (a what-if fork): its state is dropped with it */
  stop(options?: { snapshot?: boolean }): Promise<void>;
}

export async function bootService<S>(rt: Runtime, def: ServiceDefinition<S>, http?: HttpOptions): Promise<RunningService<S>> {
  const log = serviceLogger(def.name);
  const projection = new Projection(def.projection, rt.store, {
    snapshotEvery: rt.config.VIRTSIM_SNAPSHOT_EVERY,
    onError: (err) => log.error({ err }, 'projection error'),
    shards: def.name === 'vrm' ? 1 : rt.config.VIRTSIM_SHARDS,
  });
  await projection.start();
  rt.projections.set(def.projection.name, projection as Projection<unknown>);
  const ctx = new ServiceContext<S>(def.name, rt, projection, new CommandRunner(rt.store, projection), log);
  // sharded (VIRTSIM_SHARDS > 1, any service but the vrm): a lease per share, and the requests routed by share
  const server = rt.serverFor(def.name);
  let leaving = false;
  const leases = projection.shardScope ? new ShardLeases(rt.config.DATABASE_URL!, def.name, rt.config.VIRTSIM_REPLICA ?? `${hostname()}-${process.pid}`, rt.config.VIRTSIM_SHARDS, {
    // fold the shares' clusters, then take their requests
    acquire: async (shares) => {
      await projection.rescope(new Set([...leases!.held, ...shares]));
      for (const share of shares) await (server as PrefixedNatsServer).listenShare(share);
    },
    // take no more of their requests (those received are answered), then drop their clusters
    release: async (shares) => {
      for (const share of shares) await (server as PrefixedNatsServer).dropShare(share);
      if (!leaving) await projection.rescope(new Set(leases!.held));
    },
  }) : null;
  const appModule = typeof def.module === 'function' && !isModuleClass(def.module) ? await (def.module as (rt: Runtime) => Promise<Type<unknown> | DynamicModule>)(rt) : def.module as Type<unknown> | DynamicModule;

  @Global()
  @Module({
    providers: [{ provide: Runtime, useValue: rt }, { provide: ServiceContext, useValue: ctx }],
    exports: [Runtime, ServiceContext],
  })
  class KitModule {}

  @Module({
    imports: [TerminusModule, KitModule, appModule],
    controllers: [stateHandlersFor(def.name), ...(http ? [HealthController] : [])],
    providers: [
      { provide: APP_FILTER, useClass: VirtsimErrorFilter },
      { provide: APP_INTERCEPTOR, useClass: HandlerMetricsInterceptor },
      ...(leases ? [{ provide: APP_INTERCEPTOR, useValue: new ShardRouter(ctx, leases) }] : []),
    ],
  })
  class ServiceRoot {}

  const logger = new PinoNestLogger(log);
  let app: INestApplication | INestMicroservice;
  let url: string | null = null;
  if (http) {
    const web = await NestFactory.create<INestApplication>(ServiceRoot, { logger, bodyParser: false, abortOnError: false });
    await http.configure?.(web);
    web.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
    await web.startAllMicroservices();
    await web.listen(http.port, '0.0.0.0');
    const addr = web.getHttpServer().address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : http.port}`;
    app = web;
  } else {
    const micro = await NestFactory.createMicroservice(ServiceRoot, { strategy: server, logger: logger as never, abortOnError: false });
    await micro.listen();
    app = micro;
  }
  await leases?.start();
  log.info({ transport: rt.transport, position: projection.position, url, ...(leases ? { replica: leases.replica, shares: [...leases.held] } : {}) }, `${def.name} started`);
  return {
    ctx, app, url, leases,
    stop: async ({ snapshot = true } = {}) => {
      leaving = true;
      await leases?.stop();
      await app.close();
      await projection.stop({ snapshot });
      rt.projections.delete(def.projection.name);
    },
  };
}

/** a module is a class; a factory is a plain (arrow or async) function */
function isModuleClass(x: unknown): boolean {
  return typeof x === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(x));
}
