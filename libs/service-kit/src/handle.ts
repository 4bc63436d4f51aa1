// `@Handle(protocol.<service>.<subject>)`: a handler of one subject of the protocol. It subscribes the method
// to the subject, validates the payload with the catalogue's schema (field-by-field `invalid` when it does not
// fit), and the compiler holds the method to the catalogue: it takes the validated payload and answers the reply.
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { PayloadOf, ReplyOf, Rpc } from '@virtsim/contracts';
import { zodPipe } from './validation.js';

type Handler<R extends Rpc> = (payload: PayloadOf<R>) => ReplyOf<R> | Promise<ReplyOf<R>>;

export function Handle<R extends Rpc>(rpc: R) {
  return <M extends Handler<R>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    Payload(zodPipe(rpc.request))(target, key, 0);
    MessagePattern(rpc.subject)(target, key, descriptor);
  };
}
