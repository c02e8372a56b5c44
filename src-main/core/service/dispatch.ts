import { isPublicError, toErrorPayload, type Envelope } from '../contract/errors';
import { operationNames, type OperationName } from '../contract/names';
import { operations, type ServiceHandlers } from '../contract/operations';

export function isOperationName(value: unknown): value is OperationName {
  return typeof value === 'string' && (operationNames as readonly string[]).includes(value);
}

/**
 * The one entry point every adapter (IPC, HTTP, CLI) calls: checks the operation name,
 * validates the input against the contract, runs the handler and wraps the outcome.
 * Errors become `{code, message}`; nothing else about them leaves the process.
 */
export async function dispatch(handlers: ServiceHandlers, name: unknown, rawInput: unknown, onInternalError: (error: unknown) => void = () => {}): Promise<Envelope<unknown>> {
  if (!isOperationName(name)) {
    return { ok: false, error: { code: 'NOT_FOUND', message: `Unknown operation: ${String(name).slice(0, 80)}` } };
  }
  const spec = operations[name];
  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, error: { code: 'BAD_REQUEST', message: `Invalid arguments for ${name}: ${issues}` } };
  }
  try {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    const result = await handler(parsed.data);
    return { ok: true, result };
  } catch (error) {
    if (!isPublicError(error)) onInternalError(error);
    return { ok: false, error: toErrorPayload(error) };
  }
}
