import { z } from 'zod';
import type { Envelope } from './errors';
import type { EventName, MethodName, OperationName } from './names';

export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  /** Which adapter serves the API: the desktop shell, the headless server or the CLI. */
  shell: z.enum(['electron', 'headless', 'cli']),
  platform: z.string(),
  arch: z.string(),
  nodeVersion: z.string(),
  electronVersion: z.string().nullable(),
  dataDir: z.string(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const keychainStatusSchema = z.object({
  available: z.boolean(),
  /** Human name of the store: "Secret Service", "macOS Keychain", "Windows Credential Manager". */
  backend: z.string(),
  /** What is wrong and how to fix it, when the keychain is not available. */
  problem: z.string().nullable(),
});
export type KeychainStatus = z.infer<typeof keychainStatusSchema>;

const noInput = z.object({}).strict();

interface OperationSpec {
  input: z.ZodType;
  output: z.ZodType;
  summary: string;
}

/** Every operation of the service API. Adapters and clients are derived from this map. */
export const operations = {
  'app:info': {
    summary: 'Version and environment of the running app.',
    input: noInput,
    output: appInfoSchema,
  },
  'keychain:status': {
    summary: 'Whether the OS keychain can store secrets, probed now.',
    input: noInput,
    output: keychainStatusSchema,
  },
} as const satisfies Record<OperationName, OperationSpec>;

/** Push events from the main process to every connected renderer. */
export const events = {
  'keychain:changed': keychainStatusSchema,
} as const satisfies Record<EventName, z.ZodType>;

export type Input<N extends OperationName> = z.input<(typeof operations)[N]['input']>;
export type Output<N extends OperationName> = z.output<(typeof operations)[N]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/** What the core implements: one async handler per operation. */
export type ServiceHandlers = { [N in OperationName]: (input: Input<N>) => Promise<Output<N>> };

export type ServiceEvent = { [E in EventName]: { name: E; payload: EventPayload<E> } }[EventName];
export type EventListener = (event: ServiceEvent) => void;

/** What the renderer sees: a named method per operation, plus `subscribe` for events. */
export type ClientApi = {
  [N in OperationName as MethodName<N>]: (input: Input<N>) => Promise<Output<N>>;
} & {
  subscribe(listener: EventListener): () => void;
};

/**
 * What the Electron preload exposes as `window.sitevault`: the same methods, returning
 * envelopes, since error fields other than the message do not survive the context bridge.
 */
export type BridgeApi = {
  [N in OperationName as MethodName<N>]: (input: Input<N>) => Promise<Envelope<Output<N>>>;
} & {
  subscribe(listener: EventListener): () => void;
};
