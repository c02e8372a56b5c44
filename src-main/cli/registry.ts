import type { CommandEntry } from './command';
import { backupCommand } from './commands/backup';
import { checkCommand } from './commands/check';
import { copyCommand } from './commands/copy';
import { destinationCommand } from './commands/destination';
import { diffCommand } from './commands/diff';
import { downloadCommand } from './commands/download';
import { dumpCommand } from './commands/dump';
import { forgetCommand } from './commands/forget';
import { infoCommand } from './commands/info';
import { initCommand } from './commands/init';
import { keyCommand } from './commands/key';
import { lsCommand } from './commands/ls';
import { pruneCommand } from './commands/prune';
import { repairCommand } from './commands/repair';
import { reportCommand } from './commands/report';
import { restoreCommand } from './commands/restore';
import { runDueCommand } from './commands/run-due';
import { serveCommand } from './commands/serve';
import { siteCommand } from './commands/site';
import { snapshotsCommand } from './commands/snapshots';

/** Every command, in the groups `sitevault help` shows. */
export const COMMAND_GROUPS: ReadonlyArray<{ title: string; commands: readonly CommandEntry[] }> = [
  { title: 'Sites and destinations', commands: [siteCommand, destinationCommand] },
  { title: 'Backup and restore', commands: [backupCommand, restoreCommand, snapshotsCommand, lsCommand, diffCommand, downloadCommand, dumpCommand] },
  { title: 'Repository maintenance', commands: [initCommand, checkCommand, forgetCommand, pruneCommand, copyCommand, keyCommand, repairCommand] },
  { title: 'App', commands: [serveCommand, runDueCommand, reportCommand, infoCommand] },
];

export function findCommand(name: string): CommandEntry | undefined {
  for (const group of COMMAND_GROUPS) {
    const found = group.commands.find((command) => command.name === name);
    if (found) return found;
  }
  return undefined;
}
