// F1: one guest OS table. Inventory (F4 online change) and the io-backend (I3 PV drivers) read the same rows;
// the disagreements of the two former tables are settled here with worked cases.
import * as io from '../io/index.js';
import { GUEST_OS_TABLE, guestOsSupport } from './guest-os.js';
import { pvDriverSource } from '../io/guest-drivers.js';

describe('one guest OS table (F1)', () => {
  it('the io-backend answers from the inventory table for every row (and io has no table of its own)', () => {
    for (const e of GUEST_OS_TABLE) {
      const os = { family: e.family, distro: e.distro, version: e.version };
      expect(pvDriverSource(os)).toBe(guestOsSupport(os).pvDrivers);
    }
    expect(Object.keys(io)).not.toContain('GUEST_OS_SUPPORT');
    expect(Object.keys(io)).not.toContain('guestOsSupport');
  });

  it('unknown Linux (Ubuntu 25.04): inbox virtio for both services, not mainstream, no online change', () => {
    const os = { family: 'linux' as const, distro: 'ubuntu', version: '25.04' };
    expect(guestOsSupport(os)).toEqual({ pvDrivers: 'inbox', onlineCpu: false, onlineMemory: false, mainstream: false, hugePages: true, known: false });
    expect(pvDriverSource(os)).toBe('inbox');
  });

  it('NeoKylin 6.0 and 6.5 both need the custom driver build; 7.0 is mainstream inbox', () => {
    expect(['6', '6.0', '6.5'].map((version) => guestOsSupport({ family: 'linux', distro: 'NeoKylin', version }).pvDrivers)).toEqual(['custom', 'custom', 'custom']);
    expect(guestOsSupport({ family: 'linux', distro: 'neokylin', version: '7.0' })).toMatchObject({ pvDrivers: 'inbox', mainstream: true, hugePages: true, known: true });
  });

  it('suse is sles; CentOS 7.9 is CentOS 7 (a point release matches its release); EulerOS 2.8 is listed', () => {
    expect(guestOsSupport({ family: 'linux', distro: 'suse', version: '15.4' })).toMatchObject({ known: true, mainstream: true, onlineCpu: true });
    expect(guestOsSupport({ family: 'linux', distro: 'centos', version: '7.9' })).toMatchObject({ known: true, mainstream: true, onlineCpu: true });
    expect(guestOsSupport({ family: 'linux', distro: 'euleros', version: '2.8' })).toMatchObject({ known: true, pvDrivers: 'inbox' });
  });

  it('unknown Windows (2025): Tools drivers, not mainstream, no online change', () => {
    expect(guestOsSupport({ family: 'windows', version: '2025' })).toEqual({ pvDrivers: 'tools', onlineCpu: false, onlineMemory: false, mainstream: false, hugePages: true, known: false });
  });
});
