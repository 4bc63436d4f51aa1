// Where the CLI finds the server URL and token: flags, then environment, then config
// files (./.virtsim/cli.yaml, then ~/.config/virtsim/config.yaml), then the admin token
// the embedded server writes to $VIRTSIM_DATA_DIR/admin-token (./.virtsim/admin-token). Default URL http://127.0.0.1:8080.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface ConfigFile {
  path: string;
  content: string;
}

export interface ConnectionSources {
  flags: { url?: string; token?: string };
  env: Record<string, string | undefined>;
  /** config files in priority order (missing files left out) */
  files: ConfigFile[];
  adminToken?: ConfigFile;
}

export interface Connection {
  url: string;
  apiBase: string;
  token?: string;
  urlSource: string;
  tokenSource: string;
}

export function configFilePaths(env: Record<string, string | undefined>, cwd: string, home: string): string[] {
  const paths: string[] = [];
  if (env.VIRTSIM_CONFIG) paths.push(resolve(cwd, env.VIRTSIM_CONFIG));
  paths.push(join(cwd, '.virtsim', 'cli.yaml'));
  paths.push(join(env.XDG_CONFIG_HOME || join(home, '.config'), 'virtsim', 'config.yaml'));
  return paths;
}

function parseConfig(file: ConfigFile): { url?: string; token?: string } {
  let doc: unknown;
  try {
    doc = parseYaml(file.content);
  } catch (err) {
    throw new UsageError(`${file.path}: invalid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${file.path}: expected a mapping with url and token`);
  const o = doc as Record<string, unknown>;
  for (const k of ['url', 'token'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw new UsageError(`${file.path}: ${k} must be a string`);
  }
  return { url: o.url as string | undefined, token: o.token as string | undefined };
}

/** The REST base: the server URL plus /api/v1 (unless it already ends with it). */
export function apiBase(url: string): string {
  const u = url.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(u)) throw new UsageError(`invalid URL "${url}": expected http://host:port`);
  return /\/api\/v1$/.test(u) ? u : `${u}/api/v1`;
}

/** Pure resolution of URL and token from all sources (first non-empty wins). */
export function resolveConnection(src: ConnectionSources, requireToken = true): Connection {
  let url: string | undefined;
  let urlSource = 'default';
  let token: string | undefined;
  let tokenSource = 'none';
  const offer = (u: string | undefined, t: string | undefined, source: string) => {
    if (!url && u?.trim()) [url, urlSource] = [u.trim(), source];
    if (!token && t?.trim()) [token, tokenSource] = [t.trim(), source];
  };
  offer(src.flags.url, src.flags.token, 'flag');
  offer(src.env.VIRTSIM_URL, src.env.VIRTSIM_TOKEN, 'env');
  for (const f of src.files) {
    const c = parseConfig(f);
    offer(c.url, c.token, f.path);
  }
  if (src.adminToken) offer(undefined, src.adminToken.content, src.adminToken.path);
  const finalUrl = url ?? DEFAULT_URL;
  if (requireToken && !token) {
    throw new UsageError('no API token: pass --token, set VIRTSIM_TOKEN, put `token:` in ./.virtsim/cli.yaml or ~/.config/virtsim/config.yaml, or start the embedded server (npm start), which writes $VIRTSIM_DATA_DIR/admin-token (./.virtsim/admin-token)');
  }
  return { url: finalUrl, apiBase: apiBase(finalUrl), token, urlSource, tokenSource };
}

/** where the embedded server writes its admin token: VIRTSIM_DATA_DIR (as the server reads it), default ./.virtsim */
export function adminTokenPath(env: Record<string, string | undefined>, cwd: string): string {
  return join(resolve(cwd, env.VIRTSIM_DATA_DIR || '.virtsim'), 'admin-token');
}

async function readIfExists(path: string): Promise<ConfigFile | undefined> {
  try {
    return { path, content: await readFile(path, 'utf8') };
  } catch {
    return undefined;
  }
}

/** Reads the config files and admin token from disk, then resolves. */
export async function loadConnection(flags: { url?: string; token?: string }, requireToken = true): Promise<Connection> {
  const env = process.env;
  const files: ConfigFile[] = [];
  for (const p of configFilePaths(env, process.cwd(), homedir())) {
    const f = await readIfExists(p);
    if (f) files.push(f);
  }
  const adminToken = await readIfExists(adminTokenPath(env, process.cwd()));
  return resolveConnection({ flags, env, files, adminToken }, requireToken);
}

export function maskToken(token?: string): string {
  if (!token) return '-';
  return token.length <= 8 ? '****' : `${token.slice(0, 4)}…${token.slice(-4)}`;
}
