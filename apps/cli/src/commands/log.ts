// events (list, follow, export, import), sim, state, verify, audit.
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { act, int, type Ctx } from '../context.js';
import { formatCell, formatTable, shortHash, pick } from '../format.js';
import { CliError, UsageError } from '../errors.js';
import { SseParser, type ApiClient } from '../http.js';
import { readEvents, type LogEvent } from '../read-events.js';
import { batchEvents, importSummary, parseNdjson, type ImportAnswer } from '../eventlog.js';
import { formatDuration, parseAt, parseDuration, parseRate, scanForSimTime } from '../simtime.js';
import { extractInventory, hostStateOf, vmHostId } from '../inventory.js';

export function eventLine(ev: LogEvent): string {
  const t = ev.metadata?.simTime;
  const data = JSON.stringify(ev.data ?? {});
  return `${String(ev.position).padStart(7)}  ${(t === undefined ? '-' : `t=${t}s`).padEnd(9)} ${ev.type.padEnd(28)} ${ev.streamId}  ${data.length > 120 ? `${data.slice(0, 119)}…` : data}`;
}

async function follow(ctx: Ctx, client: ApiClient, after: number | undefined, filter: { type?: string; stream?: string }): Promise<void> {
  const res = await client.request<Response>('GET', '/events/stream', { raw: true, accept: 'text/event-stream', query: { after, type: filter.type, stream: filter.stream } });
  if (!res.body) throw new CliError('the event stream has no body');
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let last = after ?? -1;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    for (const payload of parser.feed(decoder.decode(chunk, { stream: true }))) {
      let ev: LogEvent;
      try {
        ev = JSON.parse(payload) as LogEvent;
      } catch {
        continue; // keep-alives and comments
      }
      if (typeof ev.position !== 'number' || ev.position <= last) continue;
      if (filter.type && ev.type !== filter.type) continue;
      if (filter.stream && ev.streamId !== filter.stream) continue;
      last = ev.position;
      await ctx.write(`${ctx.json ? JSON.stringify(ev) : eventLine(ev)}\n`);
    }
  }
}

export function eventsCommand(): Command {
  const c = new Command('events').description('the event log: list, follow, export, import');
  c.command('list', { isDefault: true })
    .alias('ls')
    .description('list events in global order (default: the first 100 after --after)')
    .option('--after <position>', 'only events after this position', int('--after'))
    .option('--limit <n>', 'at most n events', int('--limit'), 100)
    .option('--type <type>', 'only this event type')
    .option('--stream <id>', 'only this stream')
    .option('-F, --follow', 'then keep printing new events as they happen (server-sent events)')
    .action(act(async (ctx, o: { after?: number; limit: number; type?: string; stream?: string; follow?: boolean }) => {
      const client = await ctx.client();
      let last = o.after;
      for await (const page of readEvents(client, { after: o.after, type: o.type, stream: o.stream, max: o.limit })) {
        for (const ev of page) await ctx.write(`${ctx.json ? JSON.stringify(ev) : eventLine(ev)}\n`);
        last = page[page.length - 1]!.position;
      }
      if (o.follow) await follow(ctx, client, last, o);
    }));
  c.command('export')
    .description('write the whole log as NDJSON (one event per line) to stdout: virtsim events export > log.ndjson')
    .option('--after <position>', 'start after this position', int('--after'))
    .action(act(async (ctx, o: { after?: number }) => {
      const client = await ctx.client();
      let n = 0;
      for await (const page of readEvents(client, { after: o.after, pageSize: 1000 })) {
        await ctx.write(page.map((ev) => `${JSON.stringify(ev)}\n`).join(''));
        n += page.length;
      }
      if (process.stderr.isTTY) process.stderr.write(`exported ${n} event(s)\n`);
    }));
  c.command('import <file>')
    .description('append an NDJSON log to an empty installation (or one that ends where the file starts); admin only')
    .action(act(async (ctx, file: string) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const events = parseNdjson(text, file);
      const batches = batchEvents(events);
      const client = await ctx.client();
      let done = 0;
      const answers: ImportAnswer[] = [];
      for (const [i, batch] of batches.entries()) {
        try {
          answers.push(await client.post<ImportAnswer>('/events:import', { events: batch }));
        } catch (err) {
          if (err instanceof CliError) throw new CliError(`batch ${i + 1}/${batches.length} (events ${done + 1}-${done + batch.length}) refused; ${importSummary(answers).line} before it\n${err.message}`);
          throw err;
        }
        done += batch.length;
        ctx.info(`sent ${done}/${events.length}`);
      }
      // the log tells what was new: events it already holds are compared and left, not counted as imported
      const sum = importSummary(answers);
      ctx.emit({ imported: sum.imported, alreadyPresent: sum.alreadyPresent, batches: sum.calls }, () => sum.line);
    }));
  return c;
}

interface SimClock { simTime: number; tick: number; tickSeconds: number; mode?: 'manual' | 'running'; rate?: number | null }

export function clockLine(clock: SimClock): string {
  const mode = clock.mode === 'running' ? `running at ${clock.rate}x` : 'stopped (manual: virtsim sim run --rate 60x, or sim advance)';
  return `t=${clock.simTime}s (${formatDuration(clock.simTime)}), tick ${clock.tick}, ${clock.tickSeconds}s per tick, ${mode}`;
}

export function simCommand(): Command {
  const c = new Command('sim').description('the simulated clock');
  c.command('clock', { isDefault: true }).description('show the clock: simulated time, tick, and whether it runs by itself').action(act(async (ctx) => {
    const clock = await (await ctx.client()).get<SimClock>('/sim/clock');
    ctx.emit(clock, () => clockLine(clock));
  }));
  c.command('advance <duration>')
    .description('run the simulation forward, e.g. 300, 300s, 5m, 1h')
    .action(act(async (ctx, duration: string) => {
      const seconds = parseDuration(duration);
      if (seconds <= 0) throw new UsageError('advance by more than 0 seconds');
      const client = await ctx.client();
      const answer = await client.post('/sim/advance', { seconds });
      const clock = await client.get<{ simTime: number; tick: number }>('/sim/clock');
      ctx.emit({ advanced: seconds, clock, answer }, () => `advanced ${formatDuration(seconds)}; now t=${clock.simTime}s (tick ${clock.tick})`);
    }));
  c.command('run')
    .description('let the clock run by itself until paused, e.g. --rate 60x (a simulated minute per real second); operator or admin')
    .requiredOption('--rate <rate>', 'simulated seconds per real second: 60x, 3600x, 0.5x', parseRate)
    .action(act(async (ctx, o: { rate: number }) => {
      const clock = await (await ctx.client()).post<SimClock>('/sim/run', { rate: o.rate });
      ctx.emit(clock, () => clockLine(clock));
    }));
  c.command('pause')
    .description('stop the running clock after its current tick (time then moves only by sim advance); operator or admin')
    .action(act(async (ctx) => {
      const clock = await (await ctx.client()).post<SimClock>('/sim/pause', {});
      ctx.emit(clock, () => clockLine(clock));
    }));
  return c;
}

/** Resolves --at to a log position (for a simulated time: the last event at or before it). */
export async function resolveAt(client: ApiClient, at: string | undefined): Promise<{ position?: number; simTime?: number }> {
  if (!at) return {};
  const spec = parseAt(at);
  if (spec.kind === 'position') return { position: spec.position };
  let state: { position: number | null; lastSimTime: number } = { position: null, lastSimTime: 0 };
  for await (const page of readEvents(client, { pageSize: 1000 })) {
    const r = scanForSimTime(page, spec.seconds, state);
    state = r;
    if (r.done) break;
  }
  if (state.position === null) throw new CliError(`no event at or before t=${spec.seconds}s`);
  return { position: state.position, simTime: spec.seconds };
}

export function stateCommand(): Command {
  const c = new Command('state').description('system state rebuilt from the log, now or at a past point');
  c.command('show', { isDefault: true })
    .description('clusters, hosts and VMs as they were (--at <position> or --at <sim-time> like 300s)')
    .option('--at <when>', 'a log position (123) or a simulated time (300s, 5m, t=300)')
    .option('--raw', 'print the raw per-service state (JSON)')
    .action(act(async (ctx, o: { at?: string; raw?: boolean }) => {
      const client = await ctx.client();
      const at = await resolveAt(client, o.at);
      const state = await client.get<{ position: number; services: Record<string, unknown> }>('/state', { at: at.position });
      if (ctx.json || o.raw) return ctx.out(JSON.stringify(state, null, 2));
      const inv = extractInventory(state);
      const hostName = new Map(inv.hosts.map((h) => [String(h.id), String(h.name ?? h.id)]));
      const clusterName = new Map(inv.clusters.map((cl) => [String(cl.id), String(cl.name ?? pick(cl, 'spec.name') ?? cl.id)]));
      const out = [`state at position ${state.position}${at.simTime !== undefined ? ` (last event at or before t=${at.simTime}s)` : ''}`, ''];
      out.push(`clusters (${inv.clusters.length})`, inv.clusters.length ? formatTable(inv.clusters, [
        { header: 'id', key: 'id' }, { header: 'name', get: (r) => clusterName.get(String(r.id)) },
      ]) : '  none', '');
      out.push(`hosts (${inv.hosts.length})`, inv.hosts.length ? formatTable(inv.hosts, [
        { header: 'id', key: 'id' }, { header: 'name', get: (r) => r.name ?? pick(r, 'spec.name') },
        { header: 'cluster', get: (r) => clusterName.get(String(r.clusterId)) ?? r.clusterId }, { header: 'state', get: (r) => hostStateOf(r) },
      ]) : '  none', '');
      out.push(`vms (${inv.vms.length})`, inv.vms.length ? formatTable(inv.vms, [
        { header: 'id', key: 'id' }, { header: 'name', get: (r) => r.name ?? pick(r, 'spec.name') }, { header: 'state', key: 'state' },
        { header: 'host', get: (r) => { const h = vmHostId(r); return h ? (hostName.get(h) ?? h) : null; } },
      ]) : '  none');
      ctx.out(out.join('\n'));
    }));
  c.command('hash')
    .description('canonical state hash (--at as for show)')
    .option('--at <when>')
    .action(act(async (ctx, o: { at?: string }) => {
      const client = await ctx.client();
      const at = await resolveAt(client, o.at);
      const h = await client.get<{ position: number; hash: string; services?: Record<string, string> }>('/state/hash', { at: at.position });
      ctx.emit(h, () => [`position ${h.position}`, `hash     ${h.hash}`, ...Object.entries(h.services ?? {}).map(([s, v]) => `  ${s.padEnd(16)} ${v}`)].join('\n'));
    }));
  return c;
}

export function verifyCommand(): Command {
  return new Command('verify')
    .description('rebuild every service from the log and compare with its live state; exits 1 on any difference')
    .action(act(async (ctx) => {
      const r = await (await ctx.client()).get<{ ok: boolean; services: { service: string; liveHash: string; rebuiltHash: string; position: number; equal: boolean }[] }>('/verify');
      const bad = (r.services ?? []).filter((s) => !s.equal);
      ctx.emit(r, () => [
        formatTable(r.services ?? [], [
          { header: 'service', key: 'service' },
          { header: 'liveHash', get: (s) => shortHash(s.liveHash) },
          { header: 'rebuiltHash', get: (s) => shortHash(s.rebuiltHash) },
          { header: 'position', key: 'position', align: 'right' },
          { header: 'equal', get: (s) => (s.equal ? 'yes' : 'NO') },
        ]),
        r.ok && !bad.length ? 'ok: live state equals the state rebuilt from the log' : `DIFFERENT: ${bad.map((s) => s.service).join(', ') || 'server reports not ok'}`,
      ].join('\n'));
      if (!r.ok || bad.length) throw new CliError('verify found differences', 1);
    }));
}

export function auditCommand(): Command {
  return new Command('audit')
    .description('why automatic actions happened (DRS moves, HA restarts, balloons...), and why some did not')
    .option('--vm <id>')
    .option('--host <id>')
    .option('--from <time>', 'simulated time from (300, 5m)')
    .option('--to <time>', 'simulated time to')
    .option('--limit <n>', 'at most n entries', int('--limit'))
    .option('--why-not', 'only what was not done, and why (a VM HA does not restart, unprotected VMs, a host DPM keeps on, DRS moves waiting)')
    .action(act(async (ctx, o: { vm?: string; host?: string; from?: string; to?: string; limit?: number; whyNot?: boolean }) => {
      const client = await ctx.client();
      const q = { vm: o.vm, host: o.host, from: o.from ? parseDuration(o.from) : undefined, to: o.to ? parseDuration(o.to) : undefined, whyNot: o.whyNot ? 'true' : undefined };
      const items: Record<string, unknown>[] = [];
      for await (const it of client.paginate<Record<string, unknown>>('/audit', q, { cursorParam: 'after' })) {
        items.push(it);
        if (o.limit && items.length >= o.limit) break;
      }
      ctx.emit({ items }, () => (items.length ? formatTable(items, [
        { header: 'position', key: 'position', align: 'right' },
        { header: 'simTime', get: (r) => (r.simTime === undefined ? null : `${formatCell(r.simTime)}s`), align: 'right' },
        { header: 'type', key: 'type' },
        { header: 'action', key: 'action' },
        { header: 'vm', key: 'vmId' },
        { header: 'host', key: 'hostId' },
        { header: 'from', key: 'fromHostId' },
        { header: 'what happened', get: (r) => (r.whyNot ? `NOT DONE: ${r.sentence}` : r.sentence ?? r.rationale), maxWidth: 120 },
      ]) : 'no audit entries'));
    }));
}
