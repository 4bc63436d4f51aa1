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
  VIRTSIM_API_TOKENS: z.string().superRefine((spec, ctx) => {
    for (const message of apiTokenProblems(spec)) ctx.addIssue({ code: 'custom', message });
  }).optional(),
  VIRTSIM_TICK_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  // the simulated clock runs by itself at this many simulated seconds per real second from the start (as POST
  // /sim/run); `manual`: it never runs by itself here, whatever the log says (what-if forks)
  VIRTSIM_SIM_RATE: z.union([z.literal('manual'), z.coerce.number().positive().max(604_800)]).optional(),
  VIRTSIM_SNAPSHOT_EVERY: z.coerce.number().int().min(100).default(50_000),
  VIRTSIM_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  // how long a saga step, compensation or other long operation keeps asking a service that does not answer
  VIRTSIM_STEP_RETRY_SECONDS: z.coerce.number().int().min(1).default(120),
  VIRTSIM_SYNC_COMMIT: z.enum(['on', 'off']).default('off'),
  // this instance's API address, published by the vrm leader so that a standby can name it
  VIRTSIM_ADVERTISE_URL: z.string().url().optional(),
  // services that scale out by cluster (issue 22): the clusters are cut into this many shares, and each replica of a
  // service (not the vrm) folds and answers for the shares whose lease it holds; 1: one replica owns all (default)
  VIRTSIM_SHARDS: z.coerce.number().int().min(1).max(1024).default(1),
  // this replica's name among its service's replicas (default: host name and process id)
  VIRTSIM_REPLICA: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'letters, digits, _ . : and - only').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const SECRET = new Set(['VIRTSIM_API_TOKENS', 'DATABASE_URL']);

export const API_ROLES = ['admin', 'operator', 'auditor'] as const;
export type ApiRole = (typeof API_ROLES)[number];
/** RFC 6750 token68 characters */
const TOKEN = /^[A-Za-z0-9._~+/=-]{1,256}$/;

/** VIRTSIM_API_TOKENS: `role:token` entries separated by commas; every entry well formed, every token once */
export function parseApiTokens(spec: string): Map<string, ApiRole> {
  const problems = apiTokenProblems(spec);
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  VIRTSIM_API_TOKENS: ${p}`).join('\n')}`);
  return new Map(spec.split(',').map((entry) => [entry.slice(entry.indexOf(':') + 1), entry.slice(0, entry.indexOf(':')) as ApiRole]));
}

function apiTokenProblems(spec: string): string[] {
  const seen = new Map<string, number>();
  return spec.split(',').flatMap((entry, i) => {
    const n = i + 1;
    const colon = entry.indexOf(':');
    const role = colon < 0 ? entry : entry.slice(0, colon);
    const token = colon < 0 ? '' : entry.slice(colon + 1);
    const name = `entry ${n} (${(API_ROLES as readonly string[]).includes(role) ? role : 'role ?'}:***)`;
    if (colon < 0) return [`entry ${n}: not role:token`];
    if (!(API_ROLES as readonly string[]).includes(role)) return [`${name}: unknown role (admin, operator or auditor)`];
    if (!TOKEN.test(token)) return [`${name}: a token is 1 to 256 of A-Z a-z 0-9 . _ ~ + / = - (no ':', spaces or commas)`];
    const first = seen.get(token);
    if (first !== undefined) return [`${name}: the same token as entry ${first}`];
    seen.set(token, n);
    return [];
  });
}

export type Config = z.infer<typeof Env> & { embedded: boolean };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    // a token is a secret: its entry is named by position, never echoed
    const got = (key: string) => (SECRET.has(key) ? '' : ` (got ${JSON.stringify(env[key])})`);
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}${got(String(i.path[0]))}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (Boolean(c.DATABASE_URL) !== Boolean(c.NATS_URL) && c.VIRTSIM_SERVICE !== 'all') {
    throw new ConfigError('invalid configuration:\n  VIRTSIM_SERVICE: running one service alone needs both DATABASE_URL and NATS_URL');
  }
  if (c.VIRTSIM_SHARDS > 1 && (!c.DATABASE_URL || !c.NATS_URL)) {
    throw new ConfigError('invalid configuration:\n  VIRTSIM_SHARDS: sharded replicas need both DATABASE_URL and NATS_URL');
  }
  return { ...c, embedded: !c.DATABASE_URL };
}
