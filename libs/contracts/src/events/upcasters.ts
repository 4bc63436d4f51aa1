// Events whose data changed shape: each entry lifts one schema version to the next. The event store writes new
// events at the latest version and lifts older ones on read (libs/event-store UpcasterChain); POST /events:import
// lifts an archive's events from the version they name.
//
//   VmCreationRequested 1 -> 2: `bios` (the BIOS the VM had: defaultVmBios of its id and name) and `saved` (null:
//                               only an import of a suspended VM carries a saved state)
import { defaultVmBios } from '../vm-files.js';
import type { VmCreationRequestedData } from './inventory.js';

export interface EventUpcaster {
  type: string;
  fromVersion: number;
  up: (data: any) => unknown;
}

export const EVENT_UPCASTERS: readonly EventUpcaster[] = [
  {
    type: 'VmCreationRequested', fromVersion: 1,
    up: (d: Omit<VmCreationRequestedData, 'bios' | 'saved'> & Partial<VmCreationRequestedData>): VmCreationRequestedData =>
      ({ ...d, bios: d.bios ?? defaultVmBios(d.vmId, d.spec.name), saved: d.saved ?? null }),
  },
];
