import { ApiError } from '../core/contract/errors';
import { BackendError } from '../core/backends/backend';
import { IntegrityError } from '../core/engine/crypto';
import { UnsafeNameError } from '../core/engine/tree';
import { APP_VERSION } from '../core/app-version';
import { backupCommand, restoreCommand } from './commands/backup-restore';
import { destinationCommand } from './commands/destination';
import { downloadCommand } from './commands/download';
import { infoCommand } from './commands/info';
import { copyCommand, forgetCommand, pruneCommand } from './commands/maintenance';
import {
  checkCommand,
  diffCommand,
  dumpCommand,
  initCommand,
  keyCommand,
  lsCommand,
  repairCommand,
  snapshotsCommand,
} from './commands/repository';
import { runDueCommand } from './commands/run-due';
import { serveCommand } from './commands/serve';
import { siteCommand } from './commands/site';
import { processOutput, type CliOutput } from './output';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, USAGE, UsageError } from './usage';

type Command = (args: string[], io: CliOutput, env: NodeJS.ProcessEnv) => Promise<number>;

const commands: Readonly<Record<string, Command>> = {
  serve: serveCommand,
  info: infoCommand,
  init: initCommand,
  backup: backupCommand,
  snapshots: snapshotsCommand,
  ls: lsCommand,
  restore: restoreCommand,
  dump: dumpCommand,
  download: downloadCommand,
  diff: diffCommand,
  check: checkCommand,
  forget: forgetCommand,
  prune: pruneCommand,
  copy: copyCommand,
  key: keyCommand,
  repair: repairCommand,
  destination: destinationCommand,
  site: siteCommand,
  'run-due': runDueCommand,
};

/** Runs one `sitevault` invocation and returns its exit code. */
export async function main(argv: string[], io: CliOutput = processOutput, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(USAGE);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === 'version') {
    io.out(APP_VERSION);
    return EXIT_OK;
  }
  const command = commands[name];
  if (!command) {
    io.err(`sitevault: unknown command '${name}'.\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    return await command(rest, io, env);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`sitevault ${name}: ${(error as Error).message}\nRun 'sitevault help' for usage.`);
      return EXIT_USAGE;
    }
    if (error instanceof ApiError || error instanceof BackendError) {
      io.err(`sitevault ${name}: ${error.message} [${error.code}]`);
      return EXIT_ERROR;
    }
    if (error instanceof IntegrityError || error instanceof UnsafeNameError) {
      io.err(`sitevault ${name}: ${error.message}`);
      return EXIT_ERROR;
    }
    io.err(`sitevault ${name}: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  }
}
