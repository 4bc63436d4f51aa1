// XenStore-like device registry (I1, I3). Every device of a VM has a front-end entry in the guest's
// domain and a back-end entry under Dom0 (domain 0), holding its XenBus state:
//   front-end  /local/domain/<domid>/device/<class>/<devid>
//   back-end   /local/domain/0/backend/<class>/<domid>/<devid>
// The registry is how a VM discovers the devices it may access: the toolstack writes both entries at
// attach (back-end probed and waiting: InitWait; front-end Initialising); at power-on the guest's
// driver publishes its ring and event channel (Initialised), the back-end connects, then the front-end
// (Connected). A front-end without a driver stays Initialising and its back-end waits in InitWait.
// Power-off closes both sides (Closing -> Closed); the next power-on starts again from Initialising /
// InitWait. Emulated and passthrough devices are listed too (the registry controls access to every
// device); their guest driver is the native one, so they always connect.
// Simplification: the domid is given at attach and kept across reboots on the same host (real Xen
// builds a new domain, with a new domid, at each boot); a move gives a new domid on the target host.
import type { IoDevice, XenbusState } from '@virtsim/contracts';
import type { IoVmState } from './state.js';

/** Wire values of xen/include/public/io/xenbus.h. */
export const XENBUS_STATE_VALUE: Record<XenbusState, number> = { Initialising: 1, InitWait: 2, Initialised: 3, Connected: 4, Closing: 5, Closed: 6 };

export const frontendPath = (domId: number, d: Pick<IoDevice, 'deviceClass' | 'devId'>): string => `/local/domain/${domId}/device/${d.deviceClass}/${d.devId}`;
export const backendPath = (domId: number, d: Pick<IoDevice, 'deviceClass' | 'devId'>): string => `/local/domain/0/backend/${d.deviceClass}/${domId}/${d.devId}`;

export interface XenstoreEntry {
  path: string;
  side: 'frontend' | 'backend';
  state: XenbusState;
  stateValue: number;
  /** the other side's path (the 'backend' / 'frontend' key of the entry) */
  peer: string;
  deviceId: string;
  guestName: string;
}

/** The registry entries of one VM, front-end then back-end per device, in device order. */
export function registryOf(vm: IoVmState): XenstoreEntry[] {
  return vm.devices.flatMap((d) => {
    const front = frontendPath(vm.domId, d);
    const back = backendPath(vm.domId, d);
    return [
      { path: front, side: 'frontend' as const, state: d.frontend, stateValue: XENBUS_STATE_VALUE[d.frontend], peer: back, deviceId: d.deviceId, guestName: d.guestName },
      { path: back, side: 'backend' as const, state: d.backend, stateValue: XENBUS_STATE_VALUE[d.backend], peer: front, deviceId: d.deviceId, guestName: d.guestName },
    ];
  });
}

export interface XenbusWalk { frontend: XenbusState[]; backend: XenbusState[] }

/** States each side passes through when the guest boots; the last one is where it stays. */
export function connectWalk(d: Pick<IoDevice, 'frontend' | 'backend'>, driverPresent: boolean): XenbusWalk {
  if (d.frontend === 'Connected' && d.backend === 'Connected') return { frontend: ['Connected'], backend: ['Connected'] };
  const frontStart: XenbusState[] = d.frontend === 'Initialising' ? ['Initialising'] : [d.frontend, 'Initialising'];
  const backStart: XenbusState[] = d.backend === 'InitWait' ? ['InitWait'] : [d.backend, 'InitWait'];
  if (!driverPresent) return { frontend: frontStart, backend: backStart };
  return { frontend: [...frontStart, 'Initialised', 'Connected'], backend: [...backStart, 'Connected'] };
}

/** States each side passes through at power-off. */
export function closeWalk(d: Pick<IoDevice, 'frontend' | 'backend'>): XenbusWalk {
  const close = (s: XenbusState): XenbusState[] => (s === 'Closed' ? ['Closed'] : [s, 'Closing', 'Closed']);
  return { frontend: close(d.frontend), backend: close(d.backend) };
}

const last = <T>(xs: readonly T[]): T => xs[xs.length - 1];

export function connected(d: IoDevice, driverPresent: boolean): IoDevice {
  const w = connectWalk(d, driverPresent);
  return { ...d, frontend: last(w.frontend), backend: last(w.backend) };
}

export function closed(d: IoDevice): IoDevice {
  return { ...d, frontend: 'Closed', backend: 'Closed' };
}

/** After a move the target's toolstack writes fresh entries: a running VM's front-ends reconnect
 *  (Xen resume), a stopped VM's wait for the next boot. */
export const rewritten = (d: IoDevice, powered: boolean): IoDevice =>
  powered && d.frontend === 'Connected' ? { ...d, frontend: 'Connected', backend: 'Connected' } : { ...d, frontend: 'Initialising', backend: 'InitWait' };
