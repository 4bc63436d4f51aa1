// Which guest instructions cause a VM exit under VT-x (C5, P2), by mnemonic, with or without EPT.
//
//   vtxExits(mnemonic, ept) -> {exits, control}   one instruction of the catalogue (instructions.ts)
//   vtxExitShare(cls, ept)  -> 0..1              a class counted as a whole (the default workload mix)
//
// Intel SDM Vol. 3C ch. 26 (25 in older editions) "VMX non-root operation": CPUID, GETSEC, INVD and XSETBV exit
// unconditionally; every other instruction exits only when a VM-execution control the VMM set says so. What KVM
// sets: HLT exiting, MOV-DR exiting, unconditional I/O exiting (or the I/O bitmap), MSR bitmaps that trap most
// MSRs the kernel writes, WBINVD exiting, CR0/CR4 guest/host masks owning the bits it virtualizes; with EPT it
// clears CR3-load/store exiting and INVLPG exiting (the guest manages its own page tables and TLB); descriptor
// -table exiting stays off. CLI / STI have no exit control at all: in non-root ring 0 they change the guest's own
// RFLAGS.IF (interrupt-window exiting only reports when the guest can take an interrupt).
//
// Where the source text differs: it says that with VT-x "only the 19 sensitive instructions need to be
// intercepted". The opposite holds: the 19 (SGDT, POPF, ...) run in non-root ring 0 on the guest's own state and
// never exit; exits come from the controls above (privileged instructions, I/O, CPUID). docs/fidelity.md says so.
import type { InstructionClass } from './instructions.js';

export type VtxExitControl =
  | 'unconditional' | 'hlt-exiting' | 'cr-access (guest/host mask)' | 'cr3-load-exiting' | 'invlpg-exiting'
  | 'mov-dr-exiting' | 'msr-bitmap' | 'wbinvd-exiting' | 'io-exiting' | 'descriptor-table-exiting (off)' | 'none';

interface ExitRule { control: VtxExitControl; withEpt: boolean; withoutEpt: boolean }
const always = (control: VtxExitControl): ExitRule => ({ control, withEpt: true, withoutEpt: true });
const never = (control: VtxExitControl): ExitRule => ({ control, withEpt: false, withoutEpt: false });
const shadowOnly = (control: VtxExitControl): ExitRule => ({ control, withEpt: false, withoutEpt: true });

const RULES: Readonly<Record<string, ExitRule>> = {
  CPUID: always('unconditional'), INVD: always('unconditional'),
  HLT: always('hlt-exiting'), MOV_CR: always('cr-access (guest/host mask)'), LMSW: always('cr-access (guest/host mask)'),
  CLTS: always('cr-access (guest/host mask)'), MOV_TO_CR3: shadowOnly('cr3-load-exiting'), INVLPG: shadowOnly('invlpg-exiting'),
  MOV_DR: always('mov-dr-exiting'), RDMSR: always('msr-bitmap'), WRMSR: always('msr-bitmap'), WBINVD: always('wbinvd-exiting'),
  IN: always('io-exiting'), OUT: always('io-exiting'), INS: always('io-exiting'), OUTS: always('io-exiting'),
  LGDT: never('descriptor-table-exiting (off)'), LIDT: never('descriptor-table-exiting (off)'),
  LLDT: never('descriptor-table-exiting (off)'), LTR: never('descriptor-table-exiting (off)'),
  SGDT: never('descriptor-table-exiting (off)'), SIDT: never('descriptor-table-exiting (off)'),
  SLDT: never('descriptor-table-exiting (off)'), STR: never('descriptor-table-exiting (off)'),
  CLI: never('none'), STI: never('none'),
};

export function vtxExits(mnemonic: string, ept: boolean): { exits: boolean; control: VtxExitControl } {
  const rule = RULES[mnemonic.toUpperCase()];
  if (!rule || !Object.hasOwn(RULES, mnemonic.toUpperCase())) return { exits: false, control: 'none' };
  return { exits: ept ? rule.withEpt : rule.withoutEpt, control: rule.control };
}

/** Model assumption for a class counted as a whole: a Linux kernel's privileged instructions per 20 are
 *  CLI 6, STI 6, MOV_TO_CR3 2, INVLPG 2, WRMSR 2, RDMSR 1, HLT 1 (interrupt masking dominates; CR3 loads and
 *  INVLPG come with context switches and unmaps). With EPT 4 of 20 exit (WRMSR, RDMSR, HLT), without EPT 8. */
export const PRIVILEGED_KERNEL_MIX: Readonly<Record<string, number>> = { CLI: 6, STI: 6, MOV_TO_CR3: 2, INVLPG: 2, WRMSR: 2, RDMSR: 1, HLT: 1 };

export function vtxExitShare(cls: InstructionClass, ept: boolean): number {
  if (cls === 'io') return 1;
  if (cls !== 'privileged') return 0;
  const entries = Object.entries(PRIVILEGED_KERNEL_MIX);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  return entries.reduce((a, [m, n]) => a + (vtxExits(m, ept).exits ? n : 0), 0) / total;
}

export const hasEpt = (features: readonly string[] = []): boolean => features.some((f) => /^(ept|npt)$/i.test(f));
