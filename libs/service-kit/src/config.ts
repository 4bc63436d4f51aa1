// Configuration from the environment, validated at start: a bad variable stops the process with its name.
import { z } from 'zod';
import { SERVICES, DEFAULT_PREFIX } from '@virtsim/messaging';

const Env = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  NATS_URL: z.string().regex(/^(nats|tls):\/\//, 'must be a nats:// URL').optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  VIRTSIM_SERVICE: z.enum(['all', ...SERVICES]).default('all'),
  VIRTSIM_DATA_DIR: z.string().min(1).default('.virtsim'),
  VIRTSIM_SUBJECT_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default(DEFAULT_PREFIX),
  VIRTSIM_API_TOKENS: z.string().regex(/^(admin|operator|auditor):[^,:\s]+(,(admin|operator|auditor):[^,:\s]+)*$/,
    'must be role:token pairs separated by commas, roles admin|operator|auditor').optional(),
  VIRTSIM_TICK_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  VIRTSIM_SNAPSHOT_EVERY: z.coerce.number().int().min(100).default(50_000),
  VIRTSIM_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  // how long a saga step, compensation or other long operation keeps asking a service that does not answer
  VIRTSIM_STEP_RETRY_SECONDS: z.coerce.number().int().min(1).default(120),
  VIRTSIM_SYNC_COMMIT: z.enum(['on', 'off']).default('off'),
  // this instance's API address, published by the vrm leader so that a standby can name it
  VIRTSIM_ADVERTISE_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof Env> & { embedded: boolean };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (Boolean(c.DATABASE_URL) !== Boolean(c.NATS_URL) && c.VIRTSIM_SERVICE !== 'all') {
    throw new ConfigError('invalid configuration:\n  VIRTSIM_SERVICE: running one service alone needs both DATABASE_URL and NATS_URL');
  }
  return { ...c, embedded: !c.DATABASE_URL };
}
