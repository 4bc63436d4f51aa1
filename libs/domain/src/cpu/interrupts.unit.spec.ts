import { compareCpuModes, type CpuHostProfile } from './executor.js';
import { instructionCatalogueView } from './catalogue-view.js';

// 1,000 ADD in the kernel, 10 timer ticks, the vCPU starting: native 1,000 + 10 x 500 handler = 6,000 cycles.
const host: CpuHostProfile = { hostId: 'h1', cpu: { arch: 'x86', features: ['vmx', 'ept'] }, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' } };
const modes = compareCpuModes({ host, guest: { family: 'linux' }, mix: { kernel: { ADD: 1000 }, timerInterrupts: 10, vcpuStart: true } });
const totals = (m: keyof typeof modes) => { const r = modes[m]; if ('refused' in r) throw new Error(r.refused.message); return r.totals; };

describe('timer interrupts and VM entries (P2, P3)', () => {
  it('native: the guest handles each tick itself, 6,000 cycles, no trap or exit', () => {
    expect(totals('native')).toMatchObject({ cycles: 6000, nativeCycles: 6000, timerInterrupts: 10, traps: 0, vmExits: 0, overheadPercent: 0 });
  });

  it('trap-and-emulate: each tick traps to the VMM, which injects it: 1,000 + 10 x (1,000 + 200 + 500) = 18,000 (+200 %)', () => {
    expect(totals('trap-and-emulate')).toMatchObject({ cycles: 18_000, traps: 10, interruptCycles: 17_000, overheadPercent: 200 });
  });

  it('paravirtual: an event-channel upcall, no trap: 1,000 + 10 x (300 + 500) = 9,000 (+50 %)', () => {
    expect(totals('paravirtual')).toMatchObject({ cycles: 9000, traps: 0, vmExits: 0, overheadPercent: 50 });
  });

  it('hardware-assisted: one VMLAUNCH, then an external-interrupt exit and a VMRESUME per tick: 1,000 + 10 x 1,900 + 800 = 20,800 (+246.67 %)', () => {
    expect(totals('hardware-assisted')).toMatchObject({
      cycles: 20_800, vmExits: 10, vmLaunches: 1, vmResumes: 10, vmEntries: 11, overheadPercent: 246.67,
      interruptHandledBy: 'kvm (root ring 0): external-interrupt exit, injected at VMRESUME',
    });
  });

  it('a steady-state mix (no vcpuStart) has no VMLAUNCH: entries equal exits', () => {
    const steady = compareCpuModes({ host, guest: { family: 'linux' }, mix: { kernel: { CPUID: 4 } } })['hardware-assisted'];
    expect('totals' in steady && steady.totals).toMatchObject({ vmExits: 4, vmEntries: 4, vmLaunches: 0 });
  });

  it('a negative tick count is refused naming the field', () => {
    expect(() => compareCpuModes({ host, guest: { family: 'linux' }, mix: { kernel: {}, timerInterrupts: -1 } })).toThrow(/timerInterrupts/);
  });
});

describe('the instruction catalogue (P2)', () => {
  it('x86: 19 sensitive-unprivileged instructions, not classically virtualizable', () => {
    const v = instructionCatalogueView('x86');
    expect(v.sensitiveUnprivileged.count).toBe(19);
    expect(v.sensitiveUnprivileged.mnemonics).toEqual(expect.arrayContaining(['SGDT', 'SIDT', 'POPF', 'PUSHF', 'SMSW']));
    expect(v.classicallyVirtualizable).toBe(false);
    expect(v.classes.privileged.map((i) => i.mnemonic)).toEqual(expect.arrayContaining(['LGDT', 'MOV_TO_CR3', 'HLT']));
    expect(v.why).toMatch(/19 sensitive x86 instructions run unprivileged/);
  });

  it('PowerPC: every sensitive instruction is privileged', () => {
    const v = instructionCatalogueView('powerpc');
    expect(v).toMatchObject({ classicallyVirtualizable: true, sensitiveUnprivileged: { count: 0, mnemonics: [] } });
  });
});
