// POST /api/v1/whatif (B5): fork the system as of `at`, apply `changes`, run the same `steps` for `seconds` of
// simulated time, compare with the baseline (the same steps without the changes). Hosts and VMs are named by
// id or by name; step times are simulated seconds after the fork.
import { ClusterPatch, HostSpec } from '@virtsim/contracts';
import { z } from 'zod';

const Ref = z.string().min(1).max(80);
const HOST_FAULTS = ['power-loss', 'network-isolation', 'hypervisor-crash'] as const;
const VM_FAULTS = ['guest-os-crash', 'vmm-process-crash'] as const;

const HostFault = z.strictObject({ host: Ref, kind: z.enum(HOST_FAULTS) });
const VmFault = z.strictObject({ vm: Ref, kind: z.enum(VM_FAULTS) });

/** what a variant changes at the fork (and what a step may do later) */
export const Change = z.union([
  z.strictObject({ policy: ClusterPatch.omit({ name: true, seed: true, imcBaseline: true }) }),
  z.strictObject({ addHosts: z.strictObject({ count: z.number().int().min(1).max(128), like: Ref.optional(), spec: HostSpec.optional() }) }),
  z.strictObject({ removeHosts: z.array(Ref).min(1).max(128) }),
  z.strictObject({ fault: z.union([HostFault, VmFault]) }),
  z.strictObject({ recover: z.strictObject({ host: Ref }) }),
  z.strictObject({ maintenance: z.strictObject({ host: Ref, enter: z.boolean().default(true) }) }),
  z.strictObject({ power: z.strictObject({ host: Ref, on: z.boolean() }) }),
]);
export type Change = z.infer<typeof Change>;

export const WhatIfStep = z.strictObject({ at: z.number().int().min(0).max(7 * 86_400), do: Change });
export type WhatIfStep = z.infer<typeof WhatIfStep>;

export const WhatIfVariant = z.strictObject({ name: z.string().trim().min(1).max(60), changes: z.array(Change).max(64) });

export const WhatIfRequest = z.strictObject({
  /** log position to fork at (default: the head) */
  at: z.number().int().min(0).optional(),
  /** the cluster the changes apply to (default: the only / first cluster) */
  cluster: Ref.optional(),
  /** one variant's changes (ignored when `variants` is given) */
  changes: z.array(Change).max(64).default([]),
  variants: z.array(WhatIfVariant).min(1).max(8).optional(),
  steps: z.array(WhatIfStep).max(256).default([]),
  seconds: z.number().int().min(10).max(7 * 86_400),
}).superRefine((r, ctx) => {
  r.steps.forEach((s, i) => {
    if (s.at > r.seconds) ctx.addIssue({ code: 'custom', path: ['steps', i, 'at'], message: `after the end of the run (${r.seconds} s)` });
  });
  const names = (r.variants ?? []).map((v) => v.name);
  if (names.includes('baseline') || new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['variants'], message: 'variant names are unique and not "baseline"' });
});
export type WhatIfRequest = z.infer<typeof WhatIfRequest>;
