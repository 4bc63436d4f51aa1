// Migration bandwidth and concurrency.
//
// API:
//   gbpsToMiBps(gbps): number                     1 Gbit/s = 1e9 / 8 / 2^20 = 119.209 MiB/s
//   hostMigrationLink(hostId, gbps): MigrationLink   the host's migration NIC (capacity, concurrency limit)
//   datastoreLink(datastoreId, MiBps?): MigrationLink
//   linkShares(linksPerMigration): MiB/s[]          equal share per link, min over the links crossed
//   STORAGE_BANDWIDTH_MIBPS, DATASTORE_MAX_CONCURRENT, HOST_MAX_CONCURRENT
import type { MigrationLink } from '@virtsim/contracts';

/** Decimal gigabits to binary mebibytes. Protocol overhead (TCP/IP, ~5%) is ignored on purpose so the
 *  worked numbers stay simple: 1 GiB over 1 GbE = 1024 / 119.209 = 8.59 s. */
export const gbpsToMiBps = (gbps: number): number => (gbps * 1e9) / 8 / 2 ** 20;

/** vMotion limits per host by link speed (VMware vSphere "Limits on Simultaneous Migrations": 4 on 1 GbE,
 *  8 on 10 GbE). */
export const HOST_MAX_CONCURRENT: Readonly<Record<1 | 10, number>> = { 1: 4, 10: 8 };

/** Storage migration copy rate: a mid-range array's sequential throughput (Storage vMotion is usually
 *  reported at 100-300 MB/s); 200 MiB/s per source datastore, shared by its concurrent copies. */
export const STORAGE_BANDWIDTH_MIBPS = 200;
/** Storage vMotion per datastore: 128 cost units / 16 per migration = 8 (vSphere limits doc). */
export const DATASTORE_MAX_CONCURRENT = 8;

export const hostLinkId = (hostId: string): string => `host:${hostId}`;
export const datastoreLinkId = (datastoreId: string): string => `datastore:${datastoreId}`;

export function hostMigrationLink(hostId: string, gbps: 1 | 10): MigrationLink {
  return { linkId: hostLinkId(hostId), capacityMiBps: gbpsToMiBps(gbps), maxConcurrent: HOST_MAX_CONCURRENT[gbps] ?? 8 };
}

export function datastoreLink(datastoreId: string, capacityMiBps = STORAGE_BANDWIDTH_MIBPS): MigrationLink {
  return { linkId: datastoreLinkId(datastoreId), capacityMiBps, maxConcurrent: DATASTORE_MAX_CONCURRENT };
}

/** Each link's capacity is split equally among the running migrations that cross it; a migration gets the
 *  smallest of its shares (the slower end). Bandwidth a slow end leaves unused is not redistributed: a
 *  deliberate simplification that keeps shares a pure function of who is running. Aligned with the input. */
export function linkShares(running: readonly (readonly MigrationLink[])[]): number[] {
  const users = new Map<string, number>();
  for (const links of running) for (const l of links) users.set(l.linkId, (users.get(l.linkId) ?? 0) + 1);
  return running.map((links) => links.reduce((share, l) => Math.min(share, l.capacityMiBps / users.get(l.linkId)!), Infinity));
}
