// Saga steps of many VMs travel together: calls for one step that arrive while that step's previous request
// is in flight (or in the same turn of the event loop) go to the owner as one `<subject>-many` request, so the
// owner decides them in one command and one append. Each caller still gets its own answer or its own error.
import { Injectable } from '@nestjs/common';
import { STEP_BATCH_MAX, VirtsimError, type ReplyOf, type SagaStepRpc, type StepItem } from '@virtsim/contracts';
import { stepAttemptMs } from './step-retry.js';
import { Vrm } from './vrm.service.js';

interface Waiting { item: StepItem; resolve: (value: unknown) => void; reject: (err: unknown) => void }

@Injectable()
export class StepBatcher {
  private readonly queues = new Map<SagaStepRpc, Waiting[]>();
  private readonly sending = new Set<SagaStepRpc>();

  constructor(private readonly vrm: Vrm) {}

  /** ask `step` for one VM; answered by its `many` carrier together with the others waiting at the same step */
  call<R extends SagaStepRpc>(step: R, item: StepItem): Promise<ReplyOf<R>> {
    const subject = step;
    return new Promise<ReplyOf<R>>((resolve, reject) => {
      const queue = this.queues.get(subject) ?? [];
      this.queues.set(subject, queue);
      queue.push({ item, resolve: resolve as (value: unknown) => void, reject });
      if (!this.sending.has(subject)) {
        this.sending.add(subject);
        setImmediate(() => void this.send(subject));
      }
    });
  }

  private async send(subject: SagaStepRpc): Promise<void> {
    const queue = this.queues.get(subject)!;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, STEP_BATCH_MAX);
        // every item's request record is applied here before the call: the owner needs nothing past this position
        const answer = await this.vrm.ctx.callAfterOwn(subject.many, { items: batch.map((w) => w.item) }, stepAttemptMs(this.vrm))
          .catch((err: unknown) => ({ failed: VirtsimError.from(err) }));
        batch.forEach((w, i) => {
          if ('failed' in answer) return w.reject(answer.failed);
          const o = answer.outcomes[i];
          if (!o) return w.reject(new VirtsimError('internal', `${subject.many.subject} answered ${answer.outcomes.length} of ${batch.length} items`));
          if (o.ok) w.resolve(o.value);
          else w.reject(new VirtsimError(o.error.code, o.error.message, o.error.details));
        });
      }
    } finally {
      this.sending.delete(subject);
    }
  }
}
