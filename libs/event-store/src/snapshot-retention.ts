// Which snapshots a consumer keeps. A rebuild as of a past position starts from the newest kept snapshot at or
// before it, so the kept ones bound how far such a rebuild replays; their number bounds the storage.
//
// The rule, per consumer:
//  - its latest snapshot is kept (a restart resumes from it), older non-checkpoint ones are dropped;
//  - a snapshot becomes a checkpoint when no checkpoint lies in its interval [k·every, (k+1)·every), i.e. the first
//    snapshot to cross each multiple of `every` is kept;
//  - at most `max` checkpoints: past that, only those in every 2nd interval (k even) stay, then every 4th, ...
//    so they stay spread over the whole log. A rebuild then replays at most about stride·every + the snapshot
//    spacing, where stride is the smallest power of two that keeps the count within `max`.
// Storage is therefore at most max + 1 states per consumer, whatever the length of the log.

export interface SnapshotRetention {
  /** checkpoint interval, in log positions */
  every: number;
  /** most checkpoints kept per consumer */
  max: number;
}

// A rebuild replays at most about 50,000 + snapshotEvery events (well under a second per service) until the log
// passes 64 × 50,000 = 3.2M positions; past that the bound doubles each time the log does.
export const DEFAULT_SNAPSHOT_RETENTION: SnapshotRetention = { every: 50_000, max: 64 };

export interface RetentionPlan {
  /** whether the snapshot being saved is kept as a checkpoint */
  checkpoint: boolean;
  /** checkpoints already stored that the rule no longer keeps */
  drop: number[];
}

/** given the consumer's stored checkpoint positions, what saving a snapshot at `position` keeps and drops */
export function planRetention(stored: number[], position: number, rule: SnapshotRetention): RetentionPlan {
  const interval = (p: number) => Math.floor(p / rule.every);
  const crosses = !stored.some((p) => interval(p) === interval(position));
  const candidates = crosses ? [...stored, position] : stored;
  const stride = strideFor(candidates.map(interval), rule.max);
  const kept = (p: number) => interval(p) % stride === 0;
  return { checkpoint: crosses && kept(position), drop: stored.filter((p) => !kept(p)) };
}

/** the smallest power of two such that at most `max` of these intervals are multiples of it */
function strideFor(intervals: number[], max: number): number {
  // past the last interval only interval 0 is a multiple: stop there (two writers may both have kept one in it)
  const last = Math.max(0, ...intervals);
  let stride = 1;
  while (stride <= last && intervals.filter((k) => k % stride === 0).length > max) stride *= 2;
  return stride;
}
