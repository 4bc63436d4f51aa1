// Services that scale out by cluster (issue 22): with VIRTSIM_SHARDS = n > 1 the clusters are cut into n shares by a
// stable hash of the cluster id, and each replica of a sharded service answers, on top of the service's subjects,
// `<subject>.share-<k>` for the shares k whose lease it holds. Callers need not know: a replica that receives a
// request for another share's cluster hands it on to that share's subject.
import { createHash } from 'node:crypto';

/** the share (0..shares-1) a cluster belongs to: the same in every process and release */
export function shareOf(clusterId: string, shares: number): number {
  if (shares <= 1) return 0;
  return createHash('sha256').update(clusterId).digest().readUInt32BE(0) % shares;
}

/** the subject only the holder of share `share` answers */
export const shareSubject = (subject: string, share: number): string => `${subject}.share-${share}`;
