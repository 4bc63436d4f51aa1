// Iterative pre-copy live migration (Clark et al., "Live Migration of Virtual Machines", NSDI 2005).
//
// API:
//   DEFAULT_PRECOPY_OPTIONS: MigrationPreCopyOptions
//   preCopyOptions(partial?): MigrationPreCopyOptions      defaults filled in, arguments checked
//   afterRound(round, ctx): RoundDecision                   what follows a completed round (shared by the
//                                                           closed form below and the tick engine)
//   planPreCopy(memoryMiB, dirtyRateMiBps, bandwidthMiBps, options?): PreCopyPlan   constant rates, closed form
//   estimateLiveMigration(memoryMiB, dirtyRateMiBps, sourceGbps, targetGbps, options?)   the same on an idle
//                                                           link pair (DRS / DPM migration cost)
//
// Model. Round 0 sends all memory; round i+1 sends what was dirtied during round i, at most the memory size
// (or the writable working set). After each round:
//   1. remaining dirty / bandwidth <= downtime target          -> stop-and-copy (converged / auto-converged)
//   2. the round did not shrink (dirtied >= sent: dirty rate >= bandwidth) and auto-converge is on
//                                                               -> next round, throttle stepped (below)
//   3. max rounds reached, or (auto-converge off) sent + next round > maxSentFactor x memory:
//        still shrinking -> stop-and-copy anyway (Xen's rule: downtime may exceed the target)
//        not shrinking   -> fail: non-convergent, dirty rate >= bandwidth
//      (a non-shrinking round below these limits just goes on: the limits decide, as in Xen)
//   4. otherwise next round; with auto-converge on, a round that dirtied more than half of what it sent
//      steps the vCPU throttle (QEMU: cpu-throttle-initial 20%, cpu-throttle-increment 10%, max 99%,
//      throttle-trigger-threshold 50%), which lowers the dirty rate proportionally.
// Auto-converge ignores the 3x cap (throttling needs the extra rounds); max rounds still bounds it.
// Downtime = final copy / bandwidth + resume (20 ms: QEMU/KVM resume on the target is reported at
// 10-30 ms on top of the last copy; Clark et al. measured ~165 ms total downtime for a busy web server).
import { invalid } from '@virtsim/contracts';
import { gbpsToMiBps } from './bandwidth.js';
import type { MigrationOutcome, MigrationPreCopyOptions, MigrationRound } from '@virtsim/contracts';

export const DEFAULT_PRECOPY_OPTIONS: Readonly<MigrationPreCopyOptions> = Object.freeze({
  downtimeTargetMs: 300,
  maxRounds: 30,
  maxSentFactor: 3,
  autoConverge: false,
  resumeMs: 20,
  writableWorkingSetMiB: null,
});

export const THROTTLE_INITIAL = 20;
export const THROTTLE_INCREMENT = 10;
export const THROTTLE_MAX = 99;
/** a round that dirtied more than this fraction of what it sent counts as "not converging fast enough" */
export const THROTTLE_TRIGGER = 0.5;

export function preCopyOptions(partial: Partial<MigrationPreCopyOptions> = {}): MigrationPreCopyOptions {
  const o = { ...DEFAULT_PRECOPY_OPTIONS, ...partial };
  const bad: { path: string; message: string }[] = [];
  if (!(o.downtimeTargetMs > 0)) bad.push({ path: 'downtimeTargetMs', message: 'must be > 0' });
  if (!Number.isInteger(o.maxRounds) || o.maxRounds < 1) bad.push({ path: 'maxRounds', message: 'must be an integer >= 1' });
  if (!(o.maxSentFactor >= 1)) bad.push({ path: 'maxSentFactor', message: 'must be >= 1' });
  if (!(o.resumeMs >= 0)) bad.push({ path: 'resumeMs', message: 'must be >= 0' });
  if (o.writableWorkingSetMiB !== null && !(o.writableWorkingSetMiB > 0)) bad.push({ path: 'writableWorkingSetMiB', message: 'must be > 0' });
  if (bad.length) throw invalid(`invalid pre-copy options: ${bad.map((b) => `${b.path} ${b.message}`).join(', ')}`, bad);
  return o;
}

export const nextThrottle = (current: number): number =>
  current === 0 ? THROTTLE_INITIAL : Math.min(THROTTLE_MAX, current + THROTTLE_INCREMENT);

/** Most a round can dirty: the VM's memory, or its writable working set if smaller. */
export const dirtyCap = (memoryMiB: number, o: MigrationPreCopyOptions): number =>
  o.writableWorkingSetMiB === null ? memoryMiB : Math.min(memoryMiB, o.writableWorkingSetMiB);

export interface RoundContext {
  memoryMiB: number;
  /** sent by all completed rounds, this one included */
  sentMiB: number;
  /** rounds completed, this one included */
  roundsDone: number;
  bandwidthMiBps: number;
  throttlePercent: number;
  options: MigrationPreCopyOptions;
}

export type RoundDecision =
  | { action: 'next-round'; throttlePercent: number }
  | { action: 'stop-and-copy'; remainingMiB: number }
  | { action: 'fail'; reason: string };

export function afterRound(round: Pick<MigrationRound, 'sentMiB' | 'dirtiedMiB' | 'seconds'>, ctx: RoundContext): RoundDecision {
  const o = ctx.options;
  const remaining = round.dirtiedMiB;
  if (remaining / ctx.bandwidthMiBps <= o.downtimeTargetMs / 1000) return { action: 'stop-and-copy', remainingMiB: remaining };
  const shrinking = remaining < round.sentMiB;
  if (!shrinking && o.autoConverge && ctx.throttlePercent < THROTTLE_MAX && ctx.roundsDone < o.maxRounds) {
    return { action: 'next-round', throttlePercent: nextThrottle(ctx.throttlePercent) };
  }
  const overRounds = ctx.roundsDone >= o.maxRounds;
  const overSent = !o.autoConverge && ctx.sentMiB + remaining > o.maxSentFactor * ctx.memoryMiB;
  if (overRounds || overSent) {
    if (shrinking) return { action: 'stop-and-copy', remainingMiB: remaining };
    return { action: 'fail', reason: nonConvergent(round, ctx, overRounds) };
  }
  const step = o.autoConverge && remaining > THROTTLE_TRIGGER * round.sentMiB;
  return { action: 'next-round', throttlePercent: step ? nextThrottle(ctx.throttlePercent) : ctx.throttlePercent };
}

function nonConvergent(round: Pick<MigrationRound, 'dirtiedMiB' | 'seconds'>, ctx: RoundContext, overRounds: boolean): string {
  const rate = round.seconds > 0 ? round.dirtiedMiB / round.seconds : Infinity;
  const limit = overRounds ? `after ${ctx.roundsDone} rounds (max ${ctx.options.maxRounds})`
    : `sending ${r1(ctx.sentMiB + round.dirtiedMiB)} MiB would exceed ${ctx.options.maxSentFactor}x memory (${r1(ctx.options.maxSentFactor * ctx.memoryMiB)} MiB)`;
  const fix = ctx.options.autoConverge ? ` at vCPU throttle ${ctx.throttlePercent}%` : '; enable auto-converge or migrate when the VM is less busy';
  return `non-convergent: dirty rate ${r1(rate)} MiB/s >= bandwidth ${r1(ctx.bandwidthMiBps)} MiB/s, ${limit}${fix}`;
}

const r1 = (x: number): string => String(Math.round(x * 10) / 10);

export interface PreCopyPlan {
  rounds: (MigrationRound & { throttlePercent: number })[];
  outcome: MigrationOutcome | 'failed';
  reason: string | null;
  /** MiB sent with the VM paused */
  finalCopyMiB: number;
  downtimeMs: number;
  /** rounds + stop-and-copy + resume (failed: the rounds until the failure) */
  totalSeconds: number;
  sentMiB: number;
  throttlePercent: number;
}

/** Closed form for constant dirty rate and bandwidth: for tests, estimates and DRS migration cost. */
export function planPreCopy(memoryMiB: number, dirtyRateMiBps: number, bandwidthMiBps: number, options: Partial<MigrationPreCopyOptions> = {}): PreCopyPlan {
  if (!(memoryMiB > 0) || !(dirtyRateMiBps >= 0) || !(bandwidthMiBps > 0)) {
    throw invalid(`planPreCopy needs memory > 0, dirty rate >= 0, bandwidth > 0 (got ${memoryMiB}, ${dirtyRateMiBps}, ${bandwidthMiBps})`);
  }
  const o = preCopyOptions(options);
  const cap = dirtyCap(memoryMiB, o);
  const rounds: PreCopyPlan['rounds'] = [];
  let toSend = memoryMiB; let sent = 0; let seconds = 0; let throttle = 0;
  for (;;) {
    const t = toSend / bandwidthMiBps;
    const dirtied = Math.min(cap, dirtyRateMiBps * (1 - throttle / 100) * t);
    const round = { index: rounds.length, sentMiB: toSend, dirtiedMiB: dirtied, seconds: t, throttlePercent: throttle };
    rounds.push(round); sent += toSend; seconds += t;
    const d = afterRound(round, { memoryMiB, sentMiB: sent, roundsDone: rounds.length, bandwidthMiBps, throttlePercent: throttle, options: o });
    if (d.action === 'fail') {
      return { rounds, outcome: 'failed', reason: d.reason, finalCopyMiB: 0, downtimeMs: 0, totalSeconds: seconds, sentMiB: sent, throttlePercent: throttle };
    }
    if (d.action === 'stop-and-copy') {
      const downtime = d.remainingMiB / bandwidthMiBps + o.resumeMs / 1000;
      return {
        rounds, outcome: throttle > 0 ? 'auto-converged' : 'converged', reason: null, finalCopyMiB: d.remainingMiB,
        downtimeMs: downtime * 1000, totalSeconds: seconds + downtime, sentMiB: sent + d.remainingMiB, throttlePercent: throttle,
      };
    }
    throttle = d.throttlePercent; toSend = dirtied;
  }
}

/** Migration cost for DRS / DPM: the plan on an otherwise idle link pair (the slower NIC decides). */
export function estimateLiveMigration(memoryMiB: number, dirtyRateMiBps: number, sourceGbps: 1 | 10, targetGbps: 1 | 10, options: Partial<MigrationPreCopyOptions> = {}): PreCopyPlan {
  return planPreCopy(memoryMiB, dirtyRateMiBps, Math.min(gbpsToMiBps(sourceGbps), gbpsToMiBps(targetGbps)), options);
}
