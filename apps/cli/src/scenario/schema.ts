// The scenario file format (B4), as zod schemas. See examples/README.md.
import { z } from 'zod';
import { parseDuration } from '../simtime.js';
import { COUNT_RE } from './expect.js';

export const HOST_FAULTS = ['power-loss', 'network-isolation', 'hypervisor-crash'] as const;
export const VM_FAULTS = ['guest-os-crash', 'vmm-process-crash'] as const;
export const VM_POWER_ACTIONS = ['start', 'stop', 'restart', 'suspend', 'resume'] as const;
export const RULE_KINDS = ['vm-affinity', 'vm-anti-affinity', 'vm-host-must', 'vm-host-should', 'vm-host-must-not'] as const;

/** Seconds, or a string with units: 90, "90s", "5m", "1h30m". */
export const Duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const Count = z.union([
  z.number().int().min(0),
  z.string().regex(COUNT_RE, 'a count: a number or an expression like ">= 3"'),
]);
const Ref = z.string().min(1);
const Template = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);

/** A group makes `count` hosts or VMs named by a pattern ({n} = 1, 2...; {n:02} = 01, 02...). */
export const Group = z.looseObject({
  name: z.string().min(1),
  count: z.number().int().min(1).max(8000).default(1),
  start: z.number().int().min(0).default(1),
  template: Template.optional(),
});
export type Group = z.infer<typeof Group>;

export const Expect = z.strictObject({
  vms: z.record(z.string(), Count).optional(),
  hosts: z.record(z.string(), Count).optional(),
  onHost: z.record(z.string(), Count).optional(),
  vmStates: z.record(z.string(), z.string().min(1)).optional(),
  vmHosts: z.record(z.string(), z.string().min(1)).optional(),
  migrations: Count.optional(),
  haRestarts: Count.optional(),
  invariants: z.literal('hold').optional(),
});

const Fault = z
  .strictObject({ host: Ref.optional(), vm: Ref.optional(), kind: z.string() })
  .superRefine((v, ctx) => {
    if (!v.host === !v.vm) ctx.addIssue({ code: 'custom', message: 'give exactly one of host or vm' });
    else if (v.host && !(HOST_FAULTS as readonly string[]).includes(v.kind))
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `a host fault kind is one of ${HOST_FAULTS.join(', ')}` });
    else if (v.vm && !(VM_FAULTS as readonly string[]).includes(v.kind))
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `a VM fault kind is one of ${VM_FAULTS.join(', ')}` });
  });

const Power = z
  .strictObject({ host: Ref.optional(), vm: Ref.optional(), on: z.boolean().optional(), action: z.enum(VM_POWER_ACTIONS).optional() })
  .superRefine((v, ctx) => {
    if (!v.host === !v.vm) ctx.addIssue({ code: 'custom', message: 'give exactly one of host or vm' });
    else if (v.host && v.on === undefined) ctx.addIssue({ code: 'custom', path: ['on'], message: 'a host power step needs on: true|false' });
    else if (v.vm && !v.action) ctx.addIssue({ code: 'custom', path: ['action'], message: `a VM power step needs action: ${VM_POWER_ACTIONS.join('|')}` });
  });

export const ACTIONS = ['advance', 'fault', 'recover', 'migrate', 'maintenance', 'power', 'applyDrs', 'policy', 'expect'] as const;

export const Step = z
  .strictObject({
    at: Duration.optional(),
    name: z.string().optional(),
    expectError: z.union([z.literal(true), z.number().int().min(400).max(599)]).optional(),
    advance: Duration.optional(),
    fault: Fault.optional(),
    recover: z.strictObject({ host: Ref }).optional(),
    migrate: z.strictObject({ vm: Ref, to: Ref.optional(), live: z.boolean().default(true) }).optional(),
    maintenance: z.strictObject({ host: Ref, enter: z.boolean().default(true) }).optional(),
    power: Power.optional(),
    applyDrs: z.literal(true).optional(),
    /** PATCH /clusters/:id: change the cluster's policy mid-run (ha, drs, dpm, overcommit...) */
    policy: z.record(z.string(), z.unknown()).optional(),
    expect: Expect.optional(),
  })
  .superRefine((v, ctx) => {
    const present = ACTIONS.filter((a) => v[a] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: present.length === 0
          ? `a step needs one action: ${ACTIONS.join(', ')}`
          : `a step has one action, found ${present.join(' and ')}`,
      });
    }
  });
export type Step = z.infer<typeof Step>;

export const Rule = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(RULE_KINDS),
  vms: z.array(Ref).min(1),
  hosts: z.array(Ref).optional(),
});

export const ScenarioFile = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  cluster: z.record(z.string(), z.unknown()),
  templates: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  hosts: z.array(Group).min(1),
  vms: z.array(Group).default([]),
  rules: z.array(Rule).default([]),
  timeline: z.array(Step).default([]),
});
export type ScenarioFile = z.infer<typeof ScenarioFile>;
