// C5: what exits under VT-x. CPUID always; CLI/STI never; CR3 loads and INVLPG only without EPT; the 19 never.
import { executeInstructionMix, type CpuHostProfile } from './executor.js';
import { lookupInstruction, sensitiveUnprivileged } from './instructions.js';
import { vtxExits, vtxExitShare } from './vtx-exits.js';

const host = (features: string[]): CpuHostProfile => ({ hostId: 'h1', cpu: { arch: 'x86', features }, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' } });
const linux = { vmId: 'vm-1', family: 'linux' as const };
// kernel: CPUID 10, CLI 100, STI 100, MOV_TO_CR3 20, INVLPG 30, POPF 50; native 10 x 1 + 250 x 50 + 50 x 10 = 13,010
const MIX = { kernel: { CPUID: 10, CLI: 100, STI: 100, MOV_TO_CR3: 20, INVLPG: 30, POPF: 50 } };

describe('VT-x exits by mnemonic (C5)', () => {
  it('CPUID is in the catalogue, none of the 19, and exits unconditionally', () => {
    expect(lookupInstruction('x86', 'CPUID')?.class).toBe('ordinary');
    expect(sensitiveUnprivileged('x86')).toHaveLength(19);
    expect(vtxExits('CPUID', true)).toEqual({ exits: true, control: 'unconditional' });
  });

  it('CLI / STI never exit; MOV_TO_CR3 and INVLPG exit only without EPT; SIDT / POPF never', () => {
    expect(['CLI', 'STI', 'SIDT', 'POPF', 'LGDT'].map((m) => vtxExits(m, false).exits)).toEqual([false, false, false, false, false]);
    expect(['MOV_TO_CR3', 'INVLPG'].map((m) => [vtxExits(m, true).exits, vtxExits(m, false).exits])).toEqual([[false, true], [false, true]]);
  });

  it('with EPT: only the 10 CPUID exit; 10 x (1,200 + 200) + 250 x 50 + 50 x 10 = 27,000 cycles = +107.53 %', () => {
    const r = executeInstructionMix({ host: host(['vmx', 'ept']), guest: linux, mix: MIX });
    expect(r.totals).toMatchObject({ vmExits: 10, vmEntries: 10, cycles: 27_000, nativeCycles: 13_010, overheadPercent: 107.53 });
    expect(r.rows.find((x) => x.instruction === 'CLI')).toMatchObject({ vmx: 'non-root', trapped: false, vmExits: 0, handledBy: 'cpu (non-root, no exit)' });
  });

  it('without EPT (shadow paging): CPUID + 20 CR3 loads + 30 INVLPG = 60 exits; 27,000 + 50 x 1,350 = 94,500 cycles', () => {
    const r = executeInstructionMix({ host: host(['vmx']), guest: linux, mix: MIX });
    expect(r.totals).toMatchObject({ vmExits: 60, cycles: 94_500 });
  });

  it('a privileged class counted whole: 4 of 20 exit with EPT (WRMSR 2, RDMSR, HLT), 8 of 20 without', () => {
    expect([vtxExitShare('privileged', true), vtxExitShare('privileged', false), vtxExitShare('io', true), vtxExitShare('sensitive-unprivileged', false)]).toEqual([0.2, 0.4, 1, 0]);
  });
});
