// One tick of the migration service, decided as a pure function of the state (no I/O): the host failures its
// migrations cross, the targets withdrawn (maintenance, standby), then every migration advanced through the tick. commands.ts appends the events and echoes
// their ends on the VMs' streams.
import type { MigrationEvent } from '@virtsim/contracts';
import { migration, workloadAt } from '@virtsim/domain';
import { isUp, type HostFacts, type MigrationServiceState } from './state.js';

/** The tick's decisions, pure: HostFailed for every host a migration crosses that is down, then AdvanceMigrations
 *  from the tick's START. Returns the events and the state they lead to. */
export function decideTick(s: MigrationServiceState, req: { simTime: number; tickSeconds: number }): { events: MigrationEvent[]; work: migration.MigrationState } {
  const start = Math.max(0, migration.round6(req.simTime - req.tickSeconds));
  let work = migration.cloneMigrationState(s.m);
  const events: MigrationEvent[] = [];
  const down = new Set<string>();
  const withdrawn = new Map<string, string>();
  for (const id in work.migrations) {
    const r = work.migrations[id]!.request;
    if (!isUp(s.hosts[r.sourceHostId])) down.add(r.sourceHostId);
    const target = s.hosts[r.targetHostId];
    if (!target || target.haDown || target.fault) down.add(r.targetHostId);
    else if (target.power !== 'on' || target.maintenance) withdrawn.set(r.targetHostId, withdrawnWhy(target));
  }
  const decide = (command: migration.MigrationCommand) => {
    for (const e of migration.migrationDecider.decide(command, work)) { migration.applyMigrationEvent(work, e); events.push(e); }
  };
  for (const hostId of [...down].sort()) decide({ type: 'HostFailed', hostId, at: start });
  // a host withdrawn since the last tick (maintenance, standby) takes no move in: those on their way are cancelled
  for (const hostId of [...withdrawn.keys()].sort()) decide({ type: 'TargetWithdrawn', hostId, at: start, why: withdrawn.get(hostId)! });
  const dirtyRateMiBps: Record<string, number> = {};
  for (const id in work.migrations) {
    const r = work.migrations[id]!.request;
    if (r.kind !== 'live') continue;
    const seed = s.clusters[r.clusterId]?.seed ?? 1;
    dirtyRateMiBps[r.vmId] = workloadAt(r.workload ?? undefined, r.vmId, seed, start).dirtyRateMiBps;
  }
  const advanced = migration.advanceMigrationsWithState(work, start, req.tickSeconds, { scenarioSeed: 1, dirtyRateMiBps });
  events.push(...advanced.events);
  work = advanced.state;
  return { events, work };
}

function withdrawnWhy(h: HostFacts): string {
  const what = h.maintenance ? 'entered maintenance' : h.power === 'standby' ? 'went to standby' : 'was powered off';
  return `target host ${h.name} ${what}`;
}
