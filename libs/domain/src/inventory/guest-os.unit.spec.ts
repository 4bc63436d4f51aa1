import { GUEST_OS_TABLE, guestOsSupport } from './guest-os.js';

describe('guest OS compatibility (F1)', () => {
  it('RHEL 8: inbox virtio drivers, CPU and memory online, mainstream', () => {
    expect(guestOsSupport({ family: 'linux', distro: 'RHEL', version: '8' }))
      .toEqual({ pvDrivers: 'inbox', onlineCpu: true, onlineMemory: true, mainstream: true, hugePages: true, known: true });
  });

  it('Windows Server 2019 (any spelling): Tools drivers, memory online, CPU after restart', () => {
    for (const version of ['2019', 'Server 2019', 'Windows Server 2019']) {
      expect(guestOsSupport({ family: 'windows', version })).toEqual({ pvDrivers: 'tools', onlineCpu: false, onlineMemory: true, mainstream: true, hugePages: true, known: true });
    }
  });

  it('NeoKylin 6 needs custom PV drivers and is not mainstream; NeoKylin 7 is', () => {
    expect(guestOsSupport({ family: 'linux', distro: 'neokylin', version: '6' })).toMatchObject({ pvDrivers: 'custom', mainstream: false });
    expect(guestOsSupport({ family: 'linux', distro: 'neokylin', version: '7' })).toMatchObject({ mainstream: true, onlineCpu: true });
  });

  it('an unknown guest (Ubuntu 25.04) is allowed but flagged: not mainstream, no online change, inbox virtio (mainline kernel)', () => {
    expect(guestOsSupport({ family: 'linux', distro: 'ubuntu', version: '25.04' }))
      .toEqual({ pvDrivers: 'inbox', onlineCpu: false, onlineMemory: false, mainstream: false, hugePages: true, known: false });
  });

  it('covers RHEL/CentOS 6-9, Ubuntu 16.04-24.04, SLES 12/15, Debian 9-12, Windows 2008R2-2022 and 7/10/11', () => {
    const keys = new Set(GUEST_OS_TABLE.map((e) => `${e.distro} ${e.version}`));
    for (const k of ['rhel 6', 'rhel 9', 'centos 7', 'ubuntu 16.04', 'ubuntu 24.04', 'sles 12', 'sles 15', 'debian 9', 'debian 12',
      'windows 2008r2', 'windows 2022', 'windows 7', 'windows 10', 'windows 11']) {
      expect(keys).toContain(k);
    }
    expect(GUEST_OS_TABLE.filter((e) => e.family === 'windows').every((e) => !e.onlineCpu)).toBe(true);
  });
});
