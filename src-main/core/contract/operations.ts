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

export const progressSchema = z.object({
  phase: z.string(),
  filesDone: z.number(),
  filesTotal: z.number().nullable(),
  bytesDone: z.number(),
  bytesTotal: z.number().nullable(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  currentPath: z.string().nullable(),
});

export const jobSchema = z.object({
  id: z.string(),
  kind: z.enum(['backup', 'restore', 'download', 'verify', 'prune', 'replicate']),
  title: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  started: z.string(),
  finished: z.string().nullable(),
  progress: progressSchema.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type Job = z.infer<typeof jobSchema>;

/** What a screen may know about a destination: never a secret, only whether one is stored. */
export const destinationInfoSchema = z.object({
  name: z.string(),
  url: z.string(),
  hostKey: z.string().nullable(),
  tlsFingerprint: z.string().nullable(),
  timeoutSeconds: z.number(),
  maxRetries: z.number(),
  maxConnections: z.number(),
  passive: z.boolean(),
  hasPassword: z.boolean(),
  hasPassphrase: z.boolean(),
});

export const snapshotSummarySchema = z.object({
  id: z.string(),
  time: z.string(),
  site: z.string(),
  tags: z.array(z.string()),
  kind: z.enum(['files', 'database', 'both']),
  files: z.number(),
  bytes: z.number(),
  bytesAdded: z.number(),
  warnings: z.number(),
});

const destinationRef = z.object({ destination: z.string().min(1).max(40) }).strict();

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
  'destination:list': {
    summary: 'Saved destinations, with which secrets are stored (never the secrets).',
    input: noInput,
    output: z.object({ destinations: z.array(destinationInfoSchema) }),
  },
  'repo:snapshots': {
    summary: "The snapshots in a saved destination's repository, oldest first.",
    input: destinationRef.extend({ site: z.string().optional() }).strict(),
    output: z.object({ snapshots: z.array(snapshotSummarySchema) }),
  },
  'repo:check': {
    summary: "Starts a check of a saved destination's repository as a job.",
    input: destinationRef.extend({ readDataPercent: z.number().min(0).max(100).default(0) }).strict(),
    output: z.object({ jobId: z.string() }),
  },
  'job:list': {
    summary: 'Running and finished jobs of this session.',
    input: noInput,
    output: z.object({ jobs: z.array(jobSchema) }),
  },
  'job:cancel': {
    summary: 'Asks a running job to stop.',
    input: z.object({ id: z.string() }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  },
} as const satisfies Record<OperationName, OperationSpec>;

/** Push events from the main process to every connected renderer. */
export const events = {
  'keychain:changed': keychainStatusSchema,
  'job:progress': z.object({ id: z.string(), kind: jobSchema.shape.kind, title: z.string(), progress: progressSchema }),
  'job:finished': jobSchema,
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
