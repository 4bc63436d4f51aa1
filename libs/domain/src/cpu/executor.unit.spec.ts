import { compareCpuModes, executeInstructionMix, type CpuHostProfile, type InstructionMix } from './executor.js';
import type { ExecutionMode } from './modes.js';

// Hand-worked mix: kernel 100 privileged (60 MOV_CR + 40 HLT), 50 sensitive-unprivileged (30 POPF + 20 SIDT),
// 10 io (OUT), 1,000 ordinary (MOV); user 5,000 ordinary (ADD).
// Native cycles: 100 x 50 + 50 x 10 + 10 x 1,000 + 1,000 x 1 + 5,000 x 1 = 5,000 + 500 + 10,000 + 1,000 + 5,000 = 21,500.
const MIX: InstructionMix = { kernel: { MOV_CR: 60, HLT: 40, POPF: 30, SIDT: 20, OUT: 10, MOV: 1000 }, user: { ADD: 5000 } };
const x86 = (mode: ExecutionMode | 'hardware-assisted', type: 'type1' | 'type2' = 'type1', features = ['vmx']): CpuHostProfile =>
  ({ hostId: 'h1', cpu: { arch: 'x86', features }, hypervisor: { type, mode: mode === 'native' || mode === 'trap-and-emulate' ? 'full' : mode, product: 'kvm' } });
const linux = { vmId: 'vm-1', family: 'linux' as const };
const run = (mode: ExecutionMode, type: 'type1' | 'type2' = 'type1') => executeInstructionMix({ host: x86(mode, type), guest: linux, mix: MIX, mode });

describe('instruction-mix executor on x86 (P2, C5)', () => {
  it('native: 21,500 cycles, 0 % overhead, kernel in ring 0 and user in ring 3', () => {
    const r = run('native');
    expect([r.totals.cycles, r.totals.nativeCycles, r.totals.overheadPercent]).toEqual([21_500, 21_500, 0]);
    expect(r.byClass.privileged.rings).toEqual([0]);
    expect(r.byClass.ordinary.rings).toEqual([0, 3]);
  });

  it('naive trap-and-emulate: 110 traps; the 50 POPF/SIDT in ring 1 do not trap and give 50 wrong results (the hole); 166,500 cycles = +674.42 %', () => {
    // 100 x (1,000 trap + 200 emulate) + 50 x 10 + 10 x (1,000 + 3,000 device) + 1,000 + 5,000 = 166,500
    const r = run('trap-and-emulate');
    expect(r.totals).toMatchObject({ traps: 110, wrongResults: 50, vmExits: 0, hypercalls: 0, cycles: 166_500, overheadPercent: 674.42 });
    const popf = r.rows.find((x) => x.instruction === 'POPF')!;
    expect(popf).toMatchObject({ ring: 1, trapped: false, wrongResults: 30 });
    expect(r.rows.find((x) => x.instruction === 'HLT')).toMatchObject({ ring: 1, trapped: true, traps: 40, cycles: 48_000 });
  });

  it('binary translation: no trap, no wrong result; 1,160 kernel instructions -> ceil(1.16) = 2 TC misses x 12 = 24 translated; 76,150 cycles = +254.19 %', () => {
    // 100 x (150 callout + 200) + 50 x 5 inline + 10 x (150 + 3,000) + 1,000 + 5,000 = 72,750; + 2 x 500 + 24 x 100 = 3,400
    const r = run('full');
    expect(r.totals).toMatchObject({ traps: 0, wrongResults: 0, translationCacheMisses: 2, translations: 24, translationCycles: 3400, cycles: 76_150, overheadPercent: 254.19 });
    expect(r.rows.find((x) => x.instruction === 'ADD')).toMatchObject({ context: 'user', ring: 3, translated: false });
    expect(r.rows.find((x) => x.instruction === 'MOV')).toMatchObject({ context: 'kernel', ring: 1, translated: true });
  });

  it('paravirtual Linux: 110 hypercalls, sensitive reads from vcpu_info; 74,250 cycles = +245.35 %', () => {
    // 100 x (300 + 200) + 50 x 5 + 10 x (300 + 1,500) + 1,000 + 5,000 = 74,250
    const r = run('paravirtual');
    expect(r.totals).toMatchObject({ hypercalls: 110, traps: 0, wrongResults: 0, cycles: 74_250, overheadPercent: 245.35 });
  });

  it('hardware-assisted: guest kernel in non-root ring 0, 110 VM exits and 110 entries; 228,500 cycles = +962.79 %', () => {
    // 100 x (800 exit + 400 entry + 200 KVM) + 50 x 10 native + 10 x (1,200 + 4,000 QEMU + 3,000) + 1,000 + 5,000 = 228,500
    const r = run('hardware-assisted');
    expect(r.totals).toMatchObject({ vmExits: 110, vmEntries: 110, traps: 0, wrongResults: 0, cycles: 228_500, overheadPercent: 962.79 });
    expect(r.rows.find((x) => x.instruction === 'SIDT')).toMatchObject({ ring: 0, vmx: 'non-root', trapped: false, wrongResults: 0 });
    expect(r.rows.find((x) => x.instruction === 'OUT')).toMatchObject({ vmx: 'non-root', trapped: true, handledBy: 'qemu (root ring 3)' });
    expect(r.rows.find((x) => x.instruction === 'HLT')?.handledBy).toBe('kvm (root ring 0)');
  });

  it('type 2 adds 5 % host-OS scheduling: 228,500 + 11,425 = 239,925 cycles', () => {
    const r = run('hardware-assisted', 'type2');
    expect([r.totals.hostOsCycles, r.totals.cycles]).toEqual([11_425, 239_925]);
  });

  it('the mode defaults to the host\'s hypervisor mode', () => {
    expect(executeInstructionMix({ host: x86('paravirtual'), guest: linux, mix: MIX }).mode).toBe('paravirtual');
  });
});

describe('refusals', () => {
  it('paravirtual refuses a Windows guest (cpu.paravirtualGuest) naming VM and host', () => {
    expect(() => executeInstructionMix({ host: x86('paravirtual'), guest: { vmId: 'win-1', family: 'windows' }, mix: MIX }))
      .toThrow(expect.objectContaining({ code: 'conflict', message: expect.stringMatching(/win-1.*h1/), details: expect.objectContaining({ rule: 'cpu.paravirtualGuest' }) }));
  });

  it('hardware-assisted refuses a host without vmx/svm (cpu.hardwareAssist) but accepts svm', () => {
    const host = (features: string[]): CpuHostProfile => ({ hostId: 'h2', cpu: { arch: 'x86', features }, hypervisor: { type: 'type1', mode: 'hardware-assisted' } });
    expect(() => executeInstructionMix({ host: host(['sse4_2']), guest: linux, mix: MIX }))
      .toThrow(expect.objectContaining({ details: expect.objectContaining({ rule: 'cpu.hardwareAssist', hostId: 'h2' }) }));
    expect(executeInstructionMix({ host: host(['svm']), guest: linux, mix: MIX }).totals.vmExits).toBe(110);
  });

  it('compareCpuModes reports the Windows paravirtual refusal in place and runs the 4 other modes', () => {
    const all = compareCpuModes({ host: x86('full'), guest: { family: 'windows' }, mix: MIX });
    expect(all.paravirtual).toEqual({ refused: expect.objectContaining({ rule: 'cpu.paravirtualGuest' }) });
    expect(Object.values(all).filter((r) => 'totals' in r)).toHaveLength(4);
  });

  it('invalid mixes: unknown mnemonic, negative count, privileged instruction in user code', () => {
    const bad = (mix: InstructionMix) => () => executeInstructionMix({ host: x86('full'), guest: linux, mix });
    expect(bad({ kernel: { FOO: 1 } })).toThrow(expect.objectContaining({ code: 'invalid' }));
    expect(bad({ kernel: { MOV: -1 } })).toThrow(expect.objectContaining({ code: 'invalid' }));
    expect(bad({ kernel: {}, user: { LGDT: 1 } })).toThrow(expect.objectContaining({ code: 'invalid' }));
  });
});

describe('classic trap-and-emulate on PowerPC is complete', () => {
  it('50 privileged + 10 MMIO all trap (60 traps), 0 wrong results: 50 x 1,200 + 10 x 4,000 + 1,500 = 101,500 cycles vs 14,000 native', () => {
    const host: CpuHostProfile = { cpu: { arch: 'powerpc', features: [] }, hypervisor: { type: 'type1', mode: 'full' } };
    const r = executeInstructionMix({ host, guest: linux, mode: 'trap-and-emulate', mix: { kernel: { MTMSR: 30, MFMSR: 20, MMIO_STORE: 10, ADD: 1000 }, user: { LWZ: 500 } } });
    expect(r.totals).toMatchObject({ traps: 60, wrongResults: 0, cycles: 101_500, nativeCycles: 14_000 });
  });

  it('a class count of sensitive-unprivileged is invalid on PowerPC', () => {
    const host: CpuHostProfile = { cpu: { arch: 'powerpc' }, hypervisor: { type: 'type1', mode: 'full' } };
    expect(() => executeInstructionMix({ host, guest: linux, mix: { kernel: { 'sensitive-unprivileged': 1 } } })).toThrow(expect.objectContaining({ code: 'invalid' }));
  });
});
