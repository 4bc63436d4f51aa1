// The CPU chapter as a document (P2, C5): for each architecture its rings, VMX operations, instructions by class,
// the sensitive-but-unprivileged ones (x86's 19) and whether Popek & Goldberg's condition holds, for
// GET /api/v1/cpu/instructions.
import { isClassicallyVirtualizable, instructionCatalogue, INSTRUCTION_CLASSES, RINGS, sensitiveUnprivileged, VMX_OPERATIONS, type CpuArch, type InstructionClass, type InstructionInfo } from './instructions.js';
import { EXECUTION_MODES } from './modes.js';

export interface InstructionCatalogueView {
  arch: CpuArch;
  rings: typeof RINGS;
  vmxOperations: typeof VMX_OPERATIONS;
  classes: Record<InstructionClass, { mnemonic: string; note: string }[]>;
  sensitiveUnprivileged: { count: number; mnemonics: string[] };
  classicallyVirtualizable: boolean;
  why: string;
  modes: readonly string[];
}

const strip = (i: InstructionInfo) => ({ mnemonic: i.mnemonic, note: i.note });

export function instructionCatalogueView(arch: CpuArch): InstructionCatalogueView {
  const all = instructionCatalogue(arch);
  const classes = Object.fromEntries(INSTRUCTION_CLASSES.map((c) => [c, all.filter((i) => i.class === c).map(strip)])) as InstructionCatalogueView['classes'];
  const hole = sensitiveUnprivileged(arch);
  const ok = isClassicallyVirtualizable(arch);
  return {
    arch, rings: RINGS, vmxOperations: VMX_OPERATIONS, classes,
    sensitiveUnprivileged: { count: hole.length, mnemonics: hole },
    classicallyVirtualizable: ok,
    why: ok
      ? `every sensitive ${arch} instruction is privileged, so a de-privileged guest kernel traps on each one and the VMM emulates it (Popek & Goldberg 1974)`
      : `${hole.length} sensitive ${arch} instructions run unprivileged: in ring 1 they act on the real machine state without trapping (the virtualization hole), so trap-and-emulate alone is incomplete; binary translation, paravirtualization or VT-x / AMD-V close it`,
    modes: EXECUTION_MODES,
  };
}
