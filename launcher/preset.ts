// `npm start -- --preset small` (or VIRTSIM_PRESET=small): a first inventory and a running clock, so a new user
// goes from one command to watching a live migration in the web console with no YAML and no second shell.
// The preset is built through the public API, as `virtsim demo` builds it: what already exists (by name) is kept.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseApiTokens } from '@virtsim/service-kit';
import { buildDemo, DEMO } from '../apps/cli/src/demo.js';
import { ApiClient } from '../apps/cli/src/http.js';
import { settle } from '../apps/cli/src/tasks.js';

export const PRESETS = ['small'] as const;
export type Preset = (typeof PRESETS)[number];
/** the clock a preset leaves running: a minute of simulated time per real second, so a migration takes seconds */
export const PRESET_RATE = 60;

/** `--preset <name>` on the command line wins over VIRTSIM_PRESET; anything else is a usage error */
export function presetOf(argv: string[], env: NodeJS.ProcessEnv): Preset | undefined {
  let flag: string | undefined;
  try {
    flag = parseArgs({ args: argv, options: { preset: { type: 'string' } }, strict: true, allowPositionals: false }).values.preset;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message} (the one option is --preset <${PRESETS.join('|')}>)`);
  }
  const name = flag ?? env.VIRTSIM_PRESET;
  if (name === undefined || name === '') return undefined;
  if (!(PRESETS as readonly string[]).includes(name)) throw new ConfigError(`unknown preset "${name}" (known: ${PRESETS.join(', ')})`);
  return name as Preset;
}

/** an admin token of this installation: the first admin entry of VIRTSIM_API_TOKENS, else the data folder's */
export async function adminToken(env: NodeJS.ProcessEnv, dataDir: string): Promise<string> {
  const configured = env.VIRTSIM_API_TOKENS ? [...parseApiTokens(env.VIRTSIM_API_TOKENS)].find(([, role]) => role === 'admin') : undefined;
  if (configured) return configured[0];
  return (await readFile(join(resolve(dataDir), 'admin-token'), 'utf8')).trim();
}

interface Clock { mode?: string; rate?: number }

/** builds the preset's inventory and starts the clock unless it already runs; answers the lines to print */
export async function applyPreset(preset: Preset, url: string, token: string): Promise<string[]> {
  const client = new ApiClient(`${url}/api/v1`, token);
  const { clusterId, created } = await buildDemo(client, (answer) => settle(client, answer, { progress: false, label: `${preset} preset` }));
  const clock = await client.get<Clock>('/sim/clock');
  const running = clock.mode === 'running';
  if (!running) await client.post('/sim/run', { rate: PRESET_RATE });
  const vms = await client.list<{ id: string; name: string; state?: string }>('/vms', { clusterId });
  const on = vms.filter((v) => v.state === 'running').map((v) => v.name);
  const made = created.hosts.length + created.vms.length + (created.cluster ? 1 : 0);
  return [
    made > 0
      ? `preset ${preset}: cluster ${DEMO.cluster} with ${DEMO.hosts} hosts and ${DEMO.vms} VMs (${on.join(', ') || 'none'} powered on)`
      : `preset ${preset}: cluster ${DEMO.cluster} is already there; nothing created`,
    running ? `the simulated clock already runs (${clock.rate ?? '?'}x)` : `the simulated clock runs at ${PRESET_RATE}x (pause: POST /api/v1/sim/pause or \`virtsim sim pause\`)`,
    `watch a live migration: open ${url}/ui (sign in with the admin token), pick ${on[0] ?? `${DEMO.cluster}_VM0`}, press Migrate`,
  ];
}
