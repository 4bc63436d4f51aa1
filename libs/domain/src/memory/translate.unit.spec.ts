import { clusterCreated, given, hostAdded, withRunningVm } from './fixtures.spec.js';
import { gpaToHpa } from './hpa.js';
import type { MemoryState } from './state.js';
import { emptyTlb, hex, translate, translateAll, type Translation } from './translate.js';
import { translationCost, walkReferences } from './translation-cost.js';
import { packTranslations, translationView, unpackTranslations } from './translation-view.js';

const GVA = 0x7f3a_1234_5678;

function hostWith(opts: Parameters<typeof hostAdded>[2], vms: Array<[string, number, boolean?]>): MemoryState {
  let s = given(clusterCreated(), hostAdded('h', 65536, opts));
  for (const [id, mib, huge] of vms) s = withRunningVm(s, id, 'h', { memoryMiB: mib, hugePages: huge });
  return s;
}

describe('address translation (M1, M2)', () => {
  it('EPT 4 x 4 walk on a TLB miss: (4+1) x (4+1) - 1 = 24 references, 4 guest + 20 EPT reads; native 4', () => {
    const s = hostWith({ features: ['vmx', 'ept'] }, [['vm', 4096]]);
    const t = translate(s.vms.vm!, s.hosts.h!, GVA);
    expect(t).toMatchObject({ mode: 'ept', tlb: 'miss', memoryReferences: 24, nativeReferences: 4, guestPageKiB: 4, hostPageKiB: 4, fault: null });
    expect(t.reads.filter((r) => r.kind === 'guest').map((r) => r.level)).toEqual([4, 3, 2, 1]);
    expect(t.reads.filter((r) => r.kind === 'ept')).toHaveLength(20);
    expect(walkReferences(4, 4)).toBe(24);
  });

  it('each guest entry points at the next guest table, and the page offset survives GVA -> GPA -> HPA', () => {
    const s = hostWith({ features: ['vmx', 'ept'] }, [['vm', 4096]]);
    const t = translate(s.vms.vm!, s.hosts.h!, GVA);
    const guest = t.reads.filter((r) => r.kind === 'guest');
    for (let i = 0; i < 3; i++) expect(guest[i]!.entry - 0x7).toBe(guest[i + 1]!.tableAddress);
    expect(guest[0]!.index).toBe(Math.floor(GVA / 2 ** 39) % 512);
    expect(guest[3]!.entry - 0x7).toBe(t.gpa - (t.gpa % 4096));
    expect(t.gpa % 4096).toBe(GVA % 4096);
    expect(t.hpa! % 4096).toBe(GVA % 4096);
    expect(t.gpa).toBeLessThan(4096 * 2 ** 20);
    expect(t.hpa).toBe(gpaToHpa(s.hosts.h!.layout, s.vms.vm!.extents, false, t.gpa));
  });

  it('2 MiB pages remove one level on each dimension: guest and host huge (3 x 3) = 15, host huge only (4 x 3) = 19', () => {
    const s = hostWith({ features: ['vmx', 'ept'], hugePagesMiB: 16384 }, [['hugevm', 4096, true], ['plainvm', 4096, false]]);
    expect(translate(s.vms.hugevm!, s.hosts.h!, GVA)).toMatchObject({ memoryReferences: 15, guestPageKiB: 2048, hostPageKiB: 2048, nativeReferences: 3 });
    expect(translate(s.vms.plainvm!, s.hosts.h!, GVA).memoryReferences).toBe(19);
  });

  it('shadow page tables (full virtualization, or no ept/npt in the CPU) walk GVA -> HPA in 4 references', () => {
    const full = hostWith({ mode: 'full' }, [['vm', 4096]]);
    const t = translate(full.vms.vm!, full.hosts.h!, GVA);
    expect(t).toMatchObject({ mode: 'shadow', memoryReferences: 4 });
    expect(t.reads.every((r) => r.kind === 'shadow')).toBe(true);
    const ept = hostWith({ features: ['vmx', 'ept'] }, [['vm', 4096]]);
    expect(t.hpa).toBe(translate(ept.vms.vm!, ept.hosts.h!, GVA).hpa);
    expect(hostWith({ features: ['vmx'] }, []).hosts.h!.translation).toBe('shadow');
    expect(hostWith({ features: ['svm', 'npt'] }, []).hosts.h!.translation).toBe('npt');
  });

  it('TLB: the same page again hits with 0 references; a 2-entry TLB evicts the oldest page', () => {
    const s = hostWith({ features: ['vmx', 'ept'] }, [['vm', 4096]]);
    const [vm, h] = [s.vms.vm!, s.hosts.h!];
    const a = translate(vm, h, GVA, emptyTlb(2));
    const again = translate(vm, h, GVA + 8, a.tlbState);
    expect(again).toMatchObject({ tlb: 'hit', memoryReferences: 0, reads: [] });
    expect(again.hpa).toBe(a.hpa! + 8);
    const b = translate(vm, h, GVA + 4096, again.tlbState);
    const c = translate(vm, h, GVA + 8192, b.tlbState);
    expect(translate(vm, h, GVA, c.tlbState).tlb).toBe('miss');
  });

  it('invariant: GPA 0 of two VMs maps to different HPAs, and no two VMs share a host frame', () => {
    const s = hostWith({ features: ['vmx', 'ept'] }, [['a', 4096], ['b', 4096], ['c', 2048]]);
    const layout = s.hosts.h!.layout;
    const zero = ['a', 'b', 'c'].map((id) => gpaToHpa(layout, s.vms[id]!.extents, false, 0));
    expect(new Set(zero).size).toBe(3);
    expect(zero.every((x) => x !== null)).toBe(true);
    const frames = new Set<number>();
    let count = 0;
    for (const id of ['a', 'b', 'c']) {
      for (let gpa = 0; gpa < s.vms[id]!.memoryMiB * 2 ** 20; gpa += 2 ** 21) { frames.add(gpaToHpa(layout, s.vms[id]!.extents, false, gpa)!); count++; }
    }
    expect(frames.size).toBe(count);
  });

  it('a VM sees contiguous GPAs from 0; the host scatters them (GPA chunks 0 and 1 are not adjacent in HPA)', () => {
    const s = hostWith({ features: ['vmx', 'ept'] }, [['a', 4096]]);
    const at = (gpa: number) => gpaToHpa(s.hosts.h!.layout, s.vms.a!.extents, false, gpa)!;
    expect(Math.abs(at(2 ** 21) - at(0))).not.toBe(2 ** 21);
  });
});

describe('a list of addresses (the batch API)', () => {
  /** every kind of walk: EPT 4 x 4, host huge pages, both huge, shadow, NPT, a partly backed VM (faults), TLB hits */
  function sweeps(): Translation[][] {
    const ept = hostWith({ features: ['vmx', 'ept'], hugePagesMiB: 16384 }, [['hugevm', 4096, true]]);
    const plain = hostWith({ features: ['vmx', 'ept'] }, [['vm', 4096]]);
    const shadow = hostWith({ mode: 'full' }, [['vm', 4096]]);
    const npt = hostWith({ features: ['svm', 'npt'] }, [['vm', 2048]]);
    let over = given(clusterCreated(), hostAdded('h', 16384));
    for (const id of ['a', 'b', 'c']) over = withRunningVm(over, id, 'h', { memoryMiB: 6144 });
    const gvas = [...Array.from({ length: 40 }, (_, i) => GVA + i * 4096), ...Array.from({ length: 20 }, (_, i) => GVA + i * 4096 + 8), 0x1000, 2 ** 47 - 1];
    return [[ept, 'hugevm'], [plain, 'vm'], [shadow, 'vm'], [npt, 'vm'], [over, 'c']].map(([s, id]) => {
      const st = s as MemoryState;
      return translateAll(st.vms[id as string]!, st.hosts.h!, gvas.map((g, i) => (id === 'c' ? (g + i * 2 ** 30) % 2 ** 47 : g)), emptyTlb(32));
    });
  }

  it('translateAll is translate one address at a time, the TLB carried from one to the next', () => {
    const s = hostWith({ features: ['vmx', 'ept'] }, [['vm', 4096]]);
    const gvas = [GVA, GVA + 8, GVA + 4096, GVA, 0x1000];
    let tlb = emptyTlb(2);
    const one = gvas.map((g) => { const t = translate(s.vms.vm!, s.hosts.h!, g, tlb); tlb = t.tlbState; return t; });
    expect(translateAll(s.vms.vm!, s.hosts.h!, gvas, emptyTlb(2))).toEqual(one);
    expect(one.map((t) => t.tlb)).toEqual(['miss', 'hit', 'miss', 'hit', 'miss']);
  });

  it('packed walks unpack to exactly the views of the walks (every mode, huge pages, faults, TLB hits)', () => {
    const all = sweeps();
    const flat = all.flat();
    expect(new Set(flat.map((t) => `${t.mode}/${t.tlb}/${t.fault}/${t.memoryReferences}`)).size).toBeGreaterThanOrEqual(8);
    expect(flat.some((t) => t.fault === 'not-resident')).toBe(true);
    for (const walks of all) {
      const packed = JSON.parse(JSON.stringify(packTranslations(walks)));
      expect(JSON.stringify(unpackTranslations(packed))).toBe(JSON.stringify(walks.map((t) => translationView(t))));
    }
  });

  it('hex is n.toString(16) with 0x, split or not', () => {
    for (const n of [0, 1, 0xfff, 2 ** 24 - 1, 2 ** 24, 2 ** 24 + 1, 2 ** 32 + 5, 0x7f3a12345678, 2 ** 47 - 1, 2 ** 53 - 1, 2 ** 53, 1.5, -3]) {
      expect(hex(n)).toBe(`0x${n.toString(16)}`);
    }
  });
});

describe('translation cost: shadow vs EPT', () => {
  const base = { guestHugePages: false, hostHugePages: false, cpuDemandMhz: 500, activeMemoryMiB: 256, dirtyRateMiBps: 10 };

  it('default workload: EPT 29,297 misses/s x 20 extra refs x 10 cycles = 5.86 MHz; shadow 5,256 syncs/s x 3,000 cycles = 15.77 MHz', () => {
    expect(translationCost({ ...base, mode: 'ept' })).toMatchObject({ tlbMissesPerSec: 29297, walkReferences: 24, walkMhz: 5.86, shadowMhz: 0, overheadMhz: 5.86 });
    expect(translationCost({ ...base, mode: 'shadow' })).toMatchObject({ pageTableUpdatesPerSec: 5256, walkReferences: 4, shadowMhz: 15.77, overheadMhz: 15.77 });
  });

  it('a TLB-thrashing workload with few page-table updates reverses it: EPT 36 MHz vs shadow 0.3 MHz', () => {
    const thrash = { ...base, cpuDemandMhz: 3000, activeMemoryMiB: 16384, dirtyRateMiBps: 0, pageTableUpdatesPerSec: 100 };
    expect(translationCost({ ...thrash, mode: 'ept' }).overheadMhz).toBeCloseTo(35.99, 1);
    expect(translationCost({ ...thrash, mode: 'shadow' }).overheadMhz).toBe(0.3);
  });

  it('huge pages on both sides: 3 GiB TLB reach covers 256 MiB active, no misses, EPT overhead 0', () => {
    expect(translationCost({ ...base, mode: 'ept', guestHugePages: true, hostHugePages: true })).toMatchObject({ tlbMissesPerSec: 0, walkReferences: 15, overheadMhz: 0 });
  });
});
