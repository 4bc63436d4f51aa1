#!/usr/bin/env node
// Composition root. `npm start` with no environment: every service in one process on embedded
// PostgreSQL (PGlite) and the in-process transport, API on :8080. With DATABASE_URL and NATS_URL the
// same services use PostgreSQL and NATS; VIRTSIM_SERVICE=<name> runs one service alone.
import { ConfigError, loadConfig, rootLogger, Runtime, startTracing, stopTracing, type RunningService } from '@virtsim/service-kit';
import { SERVICES, type ServiceName } from '@virtsim/messaging';
import { startService } from './services.js';
import { adminToken, applyPreset, presetOf, type Preset } from './preset.js';

async function main(): Promise<void> {
  let config;
  let preset: Preset | undefined;
  try {
    preset = presetOf(process.argv.slice(2), process.env);
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`virtsim: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = rootLogger(config.LOG_LEVEL);
  const tracing = await startTracing(config.VIRTSIM_SERVICE);
  const rt = await Runtime.create(config);
  const names: ServiceName[] = config.VIRTSIM_SERVICE === 'all' ? [...SERVICES.filter((s) => s !== 'vrm'), 'vrm'] : [config.VIRTSIM_SERVICE];
  const running: RunningService<unknown>[] = [];
  for (const name of names) running.push(await startService(rt, name, config.VIRTSIM_SERVICE === 'all' ? 'vrm' : name));

  const url = running.find((r) => r.url)?.url;
  if (url) {
    const line = `virtsim ${config.embedded ? 'embedded' : 'distributed'} (${rt.transport}) is up: API ${url}/api/v1  docs ${url}/api/v1/docs  health ${url}/health`;
    process.stdout.write(line + '\n');
    log.info({ url, services: names, embedded: config.embedded, tracing }, 'ready');
  }
  if (preset) {
    if (!url || !names.includes('vrm')) throw new Error(`--preset ${preset} needs the vrm in this process (VIRTSIM_SERVICE=all or vrm)`);
    const lines = await applyPreset(preset, url, await adminToken(process.env, config.VIRTSIM_DATA_DIR));
    process.stdout.write(lines.join('\n') + '\n');
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    for (const r of running.reverse()) await r.stop().catch((err) => log.error({ err }, 'stop failed'));
    await rt.close();
    await stopTracing().catch((err) => log.error({ err }, 'flushing traces failed'));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  rootLogger().fatal({ err }, 'start-up failed');
  process.stderr.write(`virtsim: start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
