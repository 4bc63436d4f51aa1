// Instruction catalogue (P2): x86 and PowerPC instructions by virtualization class, protection rings, VMX modes.
//
//   instructionCatalogue(arch) -> readonly InstructionInfo[]      lookupInstruction(arch, mnemonic) -> InstructionInfo
//   sensitiveUnprivileged(arch) -> mnemonics that do not trap when the guest kernel is de-privileged
//
// Classes: privileged (trap outside ring 0), sensitive-unprivileged (read or change machine state but run in any
// ring: the x86 "virtualization hole"), io (device access: traps when de-privileged), ordinary (anything else).
// Popek & Goldberg (1974): a machine is classically virtualizable iff its sensitive instructions are a subset of
// its privileged ones. PowerPC (like the mainframe) satisfies it; x86 does not.
export type CpuArch = 'x86' | 'powerpc';
export type InstructionClass = 'privileged' | 'sensitive-unprivileged' | 'ordinary' | 'io';
export const INSTRUCTION_CLASSES: readonly InstructionClass[] = ['privileged', 'sensitive-unprivileged', 'io', 'ordinary'];

export type Ring = 0 | 1 | 2 | 3;
export const RINGS: readonly { ring: Ring; holds: string }[] = [
  { ring: 0, holds: 'OS kernel and drivers: may execute privileged instructions and touch hardware' },
  { ring: 1, holds: 'unused by common OSes; a de-privileged guest kernel under trap-and-emulate, BT or Xen PV' },
  { ring: 2, holds: 'unused by common OSes' },
  { ring: 3, holds: 'every application: must ask ring 0 (e.g. a driver) to reach hardware such as a camera' },
];
/** VT-x / AMD-V add a second set of rings 0-3: root operation for the VMM, non-root for guests. */
export type VmxOperation = 'root' | 'non-root';
export const VMX_OPERATIONS: Readonly<Record<VmxOperation, string>> = {
  root: 'VMM: KVM (or the Xen hypervisor) in root ring 0, QEMU device model in root ring 3',
  'non-root': 'guest: kernel in non-root ring 0, applications in non-root ring 3; sensitive events cause VM exits',
};

export interface InstructionInfo {
  mnemonic: string;
  class: InstructionClass;
  note: string;
}

const ins = (mnemonic: string, cls: InstructionClass, note: string): InstructionInfo => ({ mnemonic, class: cls, note });

// Intel SDM Vol. 3A sec. 5.9 "Privileged instructions" (#GP at CPL > 0), plus CLI / STI which fault when
// CPL > IOPL: a de-privileged guest kernel runs with IOPL 0, so they trap. RDTSC / RDPMC are left out: they are
// privileged only when CR4.TSD / CR4.PCE say so.
const X86_PRIVILEGED = [
  ins('LGDT', 'privileged', 'load GDT register'), ins('LIDT', 'privileged', 'load IDT register'),
  ins('LLDT', 'privileged', 'load LDT register'), ins('LTR', 'privileged', 'load task register'),
  ins('MOV_CR', 'privileged', 'move to/from control registers CR0 / CR4'),
  ins('MOV_TO_CR3', 'privileged', 'load CR3, the page-table base (every context switch)'),
  ins('MOV_DR', 'privileged', 'move to/from debug registers'), ins('LMSW', 'privileged', 'load machine status word'),
  ins('CLTS', 'privileged', 'clear CR0.TS'), ins('INVD', 'privileged', 'invalidate caches, no write-back'),
  ins('WBINVD', 'privileged', 'write back and invalidate caches'), ins('INVLPG', 'privileged', 'invalidate a TLB entry'),
  ins('HLT', 'privileged', 'halt until the next interrupt'), ins('RDMSR', 'privileged', 'read model-specific register'),
  ins('WRMSR', 'privileged', 'write model-specific register'),
  ins('CLI', 'privileged', 'clear interrupt flag (IOPL-sensitive: faults at CPL > IOPL)'),
  ins('STI', 'privileged', 'set interrupt flag (IOPL-sensitive: faults at CPL > IOPL)'),
];

// Robin & Irvine, "Analysis of the Intel Pentium's Ability to Support a Secure Virtual Machine Monitor"
// (USENIX Security 2000), sec. 4: sensitive register instructions SGDT, SIDT, SLDT, SMSW, PUSHF, POPF and
// protection-system references LAR, LSL, VERR, VERW, POP, PUSH, CALL, JMP, INT n, RET, STR, MOV. The paper
// says "seventeen" while naming 18 mnemonics; POP/PUSH/MOV are sensitive only in their segment-register forms
// and CALL/JMP/RET in their far forms. The seed's "19" is what this catalogue holds: the 18 mnemonics with MOV
// split into its two segment forms (MOV to Sreg checks the selector's RPL against CPL; MOV from Sreg, like
// PUSH CS, exposes CPL in the selector's low bits). Near CALL/JMP/RET, ordinary PUSH/POP/MOV are 'ordinary'.
const X86_SENSITIVE_UNPRIVILEGED = [
  ins('SGDT', 'sensitive-unprivileged', 'store GDTR: reveals the VMM\'s table, not the guest\'s'),
  ins('SIDT', 'sensitive-unprivileged', 'store IDTR: reveals the VMM\'s table (the "red pill")'),
  ins('SLDT', 'sensitive-unprivileged', 'store LDTR'), ins('SMSW', 'sensitive-unprivileged', 'store CR0 low bits'),
  ins('PUSHF', 'sensitive-unprivileged', 'push EFLAGS: shows the real IF/IOPL'),
  ins('POPF', 'sensitive-unprivileged', 'pop EFLAGS: IF change silently ignored outside ring 0'),
  ins('LAR', 'sensitive-unprivileged', 'load access rights: checks against the real CPL'),
  ins('LSL', 'sensitive-unprivileged', 'load segment limit: checks against the real CPL'),
  ins('VERR', 'sensitive-unprivileged', 'verify segment readable at the real CPL'),
  ins('VERW', 'sensitive-unprivileged', 'verify segment writable at the real CPL'),
  ins('PUSH_SREG', 'sensitive-unprivileged', 'push a segment register: exposes CPL in CS'),
  ins('POP_SREG', 'sensitive-unprivileged', 'pop a segment register: privilege checks against the real CPL'),
  ins('CALL_FAR', 'sensitive-unprivileged', 'far call / call gate: privilege checks against the real CPL'),
  ins('JMP_FAR', 'sensitive-unprivileged', 'far jump: privilege checks against the real CPL'),
  ins('INT_N', 'sensitive-unprivileged', 'software interrupt: gate DPL checked against the real CPL'),
  ins('RET_FAR', 'sensitive-unprivileged', 'far return: compares the real CPL with the return CS'),
  ins('STR', 'sensitive-unprivileged', 'store task register'),
  ins('MOV_TO_SREG', 'sensitive-unprivileged', 'load a segment register: RPL checked against the real CPL'),
  ins('MOV_FROM_SREG', 'sensitive-unprivileged', 'read a segment register: exposes CPL in CS'),
];

// Port I/O is IOPL-sensitive: it faults at CPL > IOPL (and the TSS I/O bitmap does not allow it).
const X86_IO = [
  ins('IN', 'io', 'read an I/O port'), ins('OUT', 'io', 'write an I/O port'),
  ins('INS', 'io', 'string read from an I/O port'), ins('OUTS', 'io', 'string write to an I/O port'),
];

// CPUID runs in any ring and is none of the 19: natively it is ordinary, but VT-x makes it exit unconditionally
// (vtx-exits.ts), so a guest that asks for CPU features often pays a round trip each time.
const X86_ORDINARY = ['CPUID', 'MOV', 'ADD', 'SUB', 'IMUL', 'XOR', 'AND', 'OR', 'CMP', 'TEST', 'LEA', 'JCC', 'JMP', 'CALL', 'RET', 'PUSH', 'POP', 'NOP']
  .map((m) => ins(m, 'ordinary', m === 'CPUID' ? 'CPU identification: any ring; always a VM exit under VT-x' : m === 'JMP' || m === 'CALL' || m === 'RET' ? 'near form' : 'user-level computation'));

// PowerPC (IBM POWER ISA Book III): every instruction that reads or writes machine state is privileged
// (mfmsr, unlike x86 PUSHF/SMSW, traps in problem state), so trap-and-emulate is complete. Devices are
// memory-mapped: a load/store to a device page the VMM leaves unmapped traps as a data storage interrupt.
const POWERPC = [
  ins('MTMSR', 'privileged', 'move to machine state register'), ins('MFMSR', 'privileged', 'move from MSR (privileged, unlike x86 PUSHF)'),
  ins('MTSPR_PRIV', 'privileged', 'move to a supervisor SPR (SRR0/1, SDR1, DEC)'),
  ins('MFSPR_PRIV', 'privileged', 'move from a supervisor SPR'), ins('RFI', 'privileged', 'return from interrupt'),
  ins('MTSR', 'privileged', 'move to segment register'), ins('MFSR', 'privileged', 'move from segment register'),
  ins('TLBIE', 'privileged', 'invalidate a TLB entry'), ins('TLBSYNC', 'privileged', 'TLB synchronize'),
  ins('DCBI', 'privileged', 'data cache block invalidate'),
  ins('MMIO_LOAD', 'io', 'lwz from a device page: data storage interrupt'),
  ins('MMIO_STORE', 'io', 'stw to a device page: data storage interrupt'),
  ...['ADD', 'SUBF', 'MULLW', 'LWZ', 'STW', 'CMPW', 'B', 'BC', 'BL', 'BLR', 'MFLR', 'MTLR', 'ORI', 'NOP']
    .map((m) => ins(m, 'ordinary', 'problem-state computation')),
];

const CATALOGUE: Readonly<Record<CpuArch, readonly InstructionInfo[]>> = {
  x86: [...X86_PRIVILEGED, ...X86_SENSITIVE_UNPRIVILEGED, ...X86_IO, ...X86_ORDINARY],
  powerpc: POWERPC,
};
const INDEX: Readonly<Record<CpuArch, ReadonlyMap<string, InstructionInfo>>> = {
  x86: new Map(CATALOGUE.x86.map((i) => [i.mnemonic, i])),
  powerpc: new Map(CATALOGUE.powerpc.map((i) => [i.mnemonic, i])),
};

export const instructionCatalogue = (arch: CpuArch): readonly InstructionInfo[] => CATALOGUE[arch];

export const lookupInstruction = (arch: CpuArch, mnemonic: string): InstructionInfo | undefined =>
  INDEX[arch].get(mnemonic.toUpperCase());

export const sensitiveUnprivileged = (arch: CpuArch): string[] =>
  CATALOGUE[arch].filter((i) => i.class === 'sensitive-unprivileged').map((i) => i.mnemonic);

/** Popek & Goldberg's condition: true when trap-and-emulate alone virtualizes the architecture. */
export const isClassicallyVirtualizable = (arch: CpuArch): boolean => sensitiveUnprivileged(arch).length === 0;
