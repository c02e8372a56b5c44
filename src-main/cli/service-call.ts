import { ApiError } from '../core/contract/errors';
import type { OperationName } from '../core/contract/names';
import { operations, type Input, type Output } from '../core/contract/operations';
import type { Core } from '../core/open-core';
import { dispatch } from '../core/service/dispatch';
import { UsageError } from './usage';

/** Which command-line flag gave each input field, so that a value the contract refuses is named by its flag. */
export type FlagsOf<N extends OperationName> = Partial<Record<keyof Input<N> & string, string>>;

/**
 * The CLI's way into the service, as IPC and HTTP go: the operation's input is checked by the
 * contract's own schema, and a failure comes back as an ApiError with its code and hint. A
 * value from a flag that the schema refuses is a usage error (exit 2) naming the flag, in the
 * contract's words.
 */
export async function callService<N extends OperationName>(core: Pick<Core, 'handlers'>, name: N, input: Input<N>, flags: FlagsOf<N> = {}): Promise<Output<N>> {
  const checked = operations[name].input.safeParse(input);
  const issue = checked.success ? undefined : checked.error.issues.find((i) => typeof i.path[0] === 'string' && i.path[0] in flags);
  if (issue) throw new UsageError(`${flags[issue.path[0] as keyof FlagsOf<N>]}: ${issue.message}`);
  const envelope = await dispatch(core.handlers, name, input);
  if (!envelope.ok) throw new ApiError(envelope.error.code, envelope.error.message, { hint: envelope.error.hint });
  return envelope.result as Output<N>;
}
