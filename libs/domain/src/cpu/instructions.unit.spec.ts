import { instructionCatalogue, isClassicallyVirtualizable, lookupInstruction, sensitiveUnprivileged } from './instructions.js';

describe('instruction catalogue (P2)', () => {
  it('x86 holds the seed\'s 19 sensitive-unprivileged instructions: Robin & Irvine\'s 18 mnemonics with MOV Sreg split in two', () => {
    expect(sensitiveUnprivileged('x86').sort()).toEqual([
      'CALL_FAR', 'INT_N', 'JMP_FAR', 'LAR', 'LSL', 'MOV_FROM_SREG', 'MOV_TO_SREG', 'POPF', 'POP_SREG', 'PUSHF',
      'PUSH_SREG', 'RET_FAR', 'SGDT', 'SIDT', 'SLDT', 'SMSW', 'STR', 'VERR', 'VERW',
    ]);
  });

  it('x86 is not classically virtualizable; PowerPC is (0 sensitive-unprivileged, MFMSR is privileged)', () => {
    expect(isClassicallyVirtualizable('x86')).toBe(false);
    expect(isClassicallyVirtualizable('powerpc')).toBe(true);
    expect(lookupInstruction('powerpc', 'mfmsr')?.class).toBe('privileged');
  });

  it('near JMP / CALL / RET and plain MOV are ordinary, their far / segment forms are sensitive, LGDT and CLI privileged, OUT io', () => {
    const cls = (m: string) => lookupInstruction('x86', m)?.class;
    expect(['JMP', 'CALL', 'RET', 'MOV', 'JMP_FAR', 'MOV_TO_SREG', 'LGDT', 'CLI', 'OUT'].map(cls)).toEqual([
      'ordinary', 'ordinary', 'ordinary', 'ordinary', 'sensitive-unprivileged', 'sensitive-unprivileged', 'privileged', 'privileged', 'io',
    ]);
  });

  it('mnemonics are unique per architecture', () => {
    for (const arch of ['x86', 'powerpc'] as const) {
      const names = instructionCatalogue(arch).map((i) => i.mnemonic);
      expect(new Set(names).size).toBe(names.length);
    }
  });
});
