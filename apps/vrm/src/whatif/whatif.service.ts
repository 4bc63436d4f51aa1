// What-if runs (B5): the baseline and each variant in a fork of their own, one after the other (one what-if at a
// time: each runs a whole installation), compared side by side. A run is a job kept in memory (never in the real
// log): POST answers at once with its id, or with the table when asked to wait.
import { Injectable } from '@nestjs/common';
import { invalid, notFound } from '@virtsim/contracts';
import { rootLogger } from '@virtsim/service-kit';
import { Vrm } from '../vrm.service.js';
import { clusterOf, runTimeline, stateHash } from './drive.js';
import { forkSource, type ForkSource } from './fork.js';
import { figures, meterEvent, newMeter, type Meter, type WhatIfFigures } from './meter.js';
import type { Change, WhatIfRequest } from './schema.js';

export interface WhatIfColumn { name: string; changes: Change[]; figures: WhatIfFigures; hash: string; position: number }
export interface WhatIfAnswer {
  at: number; seconds: number; steps: number; columns: WhatIfColumn[];
  /** the same figures as rows: metric, then one value per column */
  table: (string | number)[][];
}
export interface WhatIfJob {
  id: string; state: 'queued' | 'running' | 'succeeded' | 'failed'; progress: string;
  result: WhatIfAnswer | null; error: { code: string; message: string } | null;
}

const KEEP_JOBS = 32;
/** forks in flight at once: two keep both cores busy; more only add memory (each holds a whole installation) */
const FORKS_AT_ONCE = 2;
const PAGE = 5000;

@Injectable()
export class WhatIf {
  private readonly jobs = new Map<string, WhatIfJob>();
  private queue: Promise<unknown> = Promise.resolve();
  private counter = 0;

  constructor(private readonly vrm: Vrm) {}

  job(id: string): WhatIfJob {
    const j = this.jobs.get(id);
    if (!j) throw notFound('whatif', id);
    return j;
  }

  /** validates the fork position, queues the run; `done` settles when it ends */
  async submit(req: WhatIfRequest): Promise<{ job: WhatIfJob; done: Promise<void> }> {
    const head = await this.vrm.ctx.store.headPosition();
    const at = req.at ?? head;
    if (at > head) throw invalid(`at ${at} is past the log's head ${head}`, [{ path: 'at', message: `at most ${head}` }]);
    clusterOf(this.vrm.state.inventory, req.cluster);
    const job: WhatIfJob = { id: `whatif-${++this.counter}`, state: 'queued', progress: 'queued', result: null, error: null };
    this.remember(job);
    const done = this.queue.then(() => this.run(job, { ...req, at }));
    this.queue = done.catch(() => undefined);
    return { job, done: done.then(() => undefined) };
  }

  private remember(job: WhatIfJob): void {
    this.jobs.set(job.id, job);
    for (const id of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - KEEP_JOBS))) this.jobs.delete(id);
  }

  private async run(job: WhatIfJob, req: WhatIfRequest & { at: number }): Promise<void> {
    job.state = 'running';
    try {
      const variants = [{ name: 'baseline', changes: [] as Change[] }, ...(req.variants ?? (req.changes.length ? [{ name: 'variant', changes: req.changes }] : []))];
      job.progress = 'copying the log';
      // the meter's state before the fork is folded once, from the copy, and each fork's meter starts from it
      const before = newMeter(Number.MAX_SAFE_INTEGER);
      const source = await forkSource(this.vrm.ctx.runtime, req.at, (e) => meterEvent(before, e));
      const columns: WhatIfColumn[] = new Array(variants.length);
      const seconds = new Array<number>(variants.length).fill(0);
      const report = () => { job.progress = variants.map((v, i) => `${v.name}: ${seconds[i]} s of ${req.seconds}`).join(', '); };
      try {
        // FORKS_AT_ONCE forks at a time: while one computes in this process, the other's database work runs on
        // another core. Each fork is its own installation, so the answer does not depend on it.
        for (let from = 0; from < variants.length; from += FORKS_AT_ONCE) {
          await Promise.all(variants.slice(from, from + FORKS_AT_ONCE).map(async (v, k) => {
            const i = from + k;
            columns[i] = await this.column(source, before, req, v.name, v.changes, (t) => { seconds[i] = t; report(); });
          }));
        }
      } finally {
        await source.close();
      }
      job.result = { at: req.at, seconds: req.seconds, steps: req.steps.length, columns, table: tableOf(columns) };
      job.state = 'succeeded';
      job.progress = 'done';
    } catch (err) {
      const e = err as { code?: string; message?: string };
      rootLogger().warn({ err, job: job.id }, 'what-if failed');
      job.error = { code: e.code ?? 'whatif.failed', message: e.message ?? String(err) };
      job.state = 'failed';
    }
  }

  private async column(source: ForkSource, before: Meter, req: WhatIfRequest & { at: number }, name: string, changes: Change[], onTick: (t: number) => void): Promise<WhatIfColumn> {
    const fork = await source.open();
    try {
      const clusterId = clusterOf(fork.inventory(), req.cluster);
      await runTimeline(fork, clusterId, changes, req.steps, req.seconds, onTick);
      await fork.settle();
      const hash = await stateHash(fork);
      const meter: Meter = { ...structuredClone(before), forkHead: fork.forkHead };
      for (let after = fork.forkHead; ;) {
        const page = await fork.rt.store.readAll(after, PAGE);
        for (const e of page) meterEvent(meter, e);
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.position;
      }
      return { name, changes, figures: figures(meter), hash: hash.hash, position: hash.position };
    } finally {
      await fork.stop();
    }
  }
}

const ROWS: [string, (f: WhatIfFigures) => string | number][] = [
  ['VMs running', (f) => f.vmsRunning], ['VMs failed', (f) => f.vmsFailed], ['HA restarts', (f) => f.haRestarts],
  ['migrations', (f) => f.migrations], ['DRS moves', (f) => f.drsMoves],
  ['CPU ready % p50', (f) => f.cpuReadyP50], ['CPU ready % p99', (f) => f.cpuReadyP99],
  ['ballooned MiB', (f) => f.balloonedMiB], ['swapped MiB', (f) => f.swappedMiB],
  ['hosts powered on', (f) => f.hostsOn], ['host-hours', (f) => f.hostHours],
  // the imbalance over time (12 points) is in each column's figures; the table keeps its summary
  ['imbalance mean / max / end', (f) => `${f.imbalance.mean} / ${f.imbalance.max} / ${f.imbalance.end}`],
  ['HA recovery s (max)', (f) => f.haRecoverySeconds ?? '-'],
  ['invariant breaches', (f) => f.invariantBreaches],
];

function tableOf(columns: WhatIfColumn[]): (string | number)[][] {
  return [
    ['', ...columns.map((c) => c.name)],
    ...ROWS.map(([label, get]) => [label, ...columns.map((c) => get(c.figures))]),
    ['final state hash', ...columns.map((c) => c.hash.slice(0, 12))],
  ];
}
