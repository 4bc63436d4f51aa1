// What every command gets: output mode, the API client (created on first use), small I/O helpers.
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { printable } from './format.js';
import { ApiClient, DEFAULT_TIMEOUT_MS } from './http.js';
import { loadConnection, type Connection } from './config.js';
import { UsageError } from './errors.js';
import { settle, type WaitOptions } from './tasks.js';
import { colourWanted, painter, type Paint } from './style.js';
import { choose, type Kind } from './lookup.js';
import type { Cluster, Host, Vm } from './views.js';

export interface GlobalOptions {
  url?: string;
  token?: string;
  timeout?: string;
  json?: boolean;
  progress?: boolean;
  output?: string;
}

const LIST_PATH = { host: '/hosts', vm: '/vms', cluster: '/clusters' } as const;
type ItemOf<K extends Kind> = K extends 'host' ? Host : K extends 'vm' ? Vm : Cluster;

export class Ctx {
  readonly json: boolean;
  readonly progress: boolean;
  private clientP?: Promise<ApiClient>;
  private lists = new Map<Kind, Promise<unknown[]>>();
  /** colour for stdout: a terminal, NO_COLOR unset (FORCE_COLOR forces it) */
  readonly paint: Paint = painter(colourWanted({ isTTY: process.stdout.isTTY }));

  constructor(readonly opts: GlobalOptions) {
    this.json = !!opts.json;
    this.progress = opts.progress !== false;
  }

  connection(requireToken = true): Promise<Connection> {
    return loadConnection({ url: this.opts.url, token: this.opts.token }, requireToken);
  }

  client(): Promise<ApiClient> {
    this.clientP ??= this.connection().then((c) => new ApiClient(c.apiBase, c.token, globalThis.fetch, timeoutMs(this.opts.timeout ?? process.env.VIRTSIM_TIMEOUT_SECONDS)));
    return this.clientP;
  }

  /** every host, VM or cluster (asked once per command) */
  all<K extends Kind>(kind: K): Promise<ItemOf<K>[]> {
    if (!this.lists.has(kind)) this.lists.set(kind, this.client().then((c) => c.list<ItemOf<K>>(LIST_PATH[kind])));
    return this.lists.get(kind) as Promise<ItemOf<K>[]>;
  }

  /** the id of a host, VM or cluster given by id or name (an ambiguous name is refused, listing the matches) */
  async resolve(kind: Kind, ref: string): Promise<string> {
    return choose(kind, ref, await this.all(kind)).id;
  }

  /** Writes text whose server-supplied parts are already printable (it may carry this CLI's colour codes). */
  render(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Prints JSON in --json mode, else the rendered text. */
  emit(data: unknown, render: () => string): void {
    this.out(this.json ? JSON.stringify(data, null, 2) : render());
  }

  out(text: string): void {
    const shown = printable(text, true);
    process.stdout.write(shown.endsWith('\n') ? shown : `${shown}\n`);
  }

  /** Writes with back-pressure (large exports). */
  async write(chunk: string | Uint8Array): Promise<void> {
    if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
  }

  info(text: string): void {
    if (!this.json) process.stderr.write(`${printable(text, true)}\n`);
  }

  settle(answer: unknown, label?: string, extra: Partial<WaitOptions> = {}): Promise<unknown> {
    return this.client().then((c) => settle(c, answer, { progress: this.progress, label, ...extra }));
  }
}

/** --timeout / VIRTSIM_TIMEOUT_SECONDS: whole seconds, 1 to 86,400 */
export function timeoutMs(seconds: string | undefined): number {
  if (seconds === undefined || seconds === '') return DEFAULT_TIMEOUT_MS;
  const n = Number(seconds);
  if (!Number.isInteger(n) || n < 1 || n > 86_400) throw new UsageError(`--timeout: whole seconds from 1 to 86400, got ${JSON.stringify(seconds)}`);
  return n * 1000;
}

/** Wraps a commander action: builds the context from the global options. */
export function act<A extends unknown[]>(fn: (ctx: Ctx, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const ctx = new Ctx(cmd.optsWithGlobals<GlobalOptions>());
    await fn(ctx, ...(args.slice(0, -1) as A));
  };
}

/** Reads a YAML or JSON file ('-' for stdin) into a value. */
export async function readSpec(path: string): Promise<unknown> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new UsageError(`${path}: invalid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** "a,b , c" -> ['a','b','c'] */
export function csv(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** --set a.b=value (value parsed as a YAML scalar: true, 3, text) into a nested object. */
export function applySet(target: Record<string, unknown>, assignment: string): Record<string, unknown> {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set expects key=value, got "${assignment}"`);
  const keys = assignment.slice(0, eq).trim().split('.');
  const value = parseYaml(assignment.slice(eq + 1)) as unknown;
  let cur = target;
  keys.slice(0, -1).forEach((k) => {
    if (!cur[k] || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  });
  cur[keys[keys.length - 1]!] = value;
  return target;
}

export function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new UsageError(`${name} must be an integer, got "${v}"`);
    return n;
  };
}
