/**
 * Operation and event names of the service API, with no dependencies, so that the
 * sandboxed preload can import it. `operations.ts` declares a schema for each name and the
 * compiler checks that the two lists agree.
 */
export const operationNames = [
  'app:info',
  'keychain:status',
  'preferences:get',
  'preferences:set',
  'destination:list',
  'destination:get',
  'destination:save',
  'destination:remove',
  'destination:changePassphrase',
  'destination:test',
  'destination:createRepository',
  'server:identify',
  'server:folders',
  'site:list',
  'site:get',
  'site:save',
  'site:remove',
  'site:test',
  'site:check',
  'site:acceptDatabaseSettings',
  'site:import',
  'backup:run',
  'repo:snapshots',
  'snapshot:browse',
  'snapshot:preview',
  'snapshot:diff',
  'snapshot:search',
  'file:history',
  'retention:preview',
  'restore:preview',
  'restore:run',
  'restore:toFolder',
  'download:start',
  'repo:check',
  'job:list',
  'job:cancel',
  'job:resume',
  'replication:run',
  'snapshot:copies',
  'verify:testRestore',
  'verify:history',
  'email:save',
  'email:test',
  'report:build',
  'report:savePdf',
] as const;
export type OperationName = (typeof operationNames)[number];

export const eventNames = ['keychain:changed', 'job:progress', 'job:changed', 'job:finished', 'job:notice', 'settings:changed', 'catalog:changed'] as const;
export type EventName = (typeof eventNames)[number];

/** `'site:testConnection'` becomes the client method `siteTestConnection`. */
export type MethodName<N extends string> = N extends `${infer Domain}:${infer Verb}` ? `${Domain}${Capitalize<Verb>}` : never;

export function methodNameOf<N extends OperationName>(name: N): MethodName<N> {
  const [domain, verb] = name.split(':') as [string, string];
  return `${domain}${verb.charAt(0).toUpperCase()}${verb.slice(1)}` as MethodName<N>;
}

/** Every name has the form `domain:verb`, both parts camelCase letters. */
export const operationNamePattern = /^[a-z][a-zA-Z]*:[a-z][a-zA-Z]*$/;

/** The one IPC channel main uses to push events to windows. */
export const EVENT_CHANNEL = 'sitevault:event';
