import { toErrorPayload } from '../core/contract/errors';
import { APP_VERSION } from '../core/app-version';
import { cliHint } from './hints';
import { commandHelp, groupHelp, isGroup, parseCommand, wantsHelp, type CommandSpec } from './command';
import { generalHelp } from './help';
import { findCommand } from './registry';
import { processOutput, type CliOutput } from './output';
import { terminalSafeOutput } from './terminal-text';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from './usage';

/** Runs one `sitevault` invocation and returns its exit code. */
export async function main(argv: string[], output: CliOutput = processOutput, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const io = terminalSafeOutput(output);
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    if (name === 'help' && rest.length > 0) return helpFor(rest, io);
    io.out(generalHelp());
    return EXIT_OK;
  }
  if (name === '--version' || name === 'version') {
    io.out(APP_VERSION);
    return EXIT_OK;
  }
  const entry = findCommand(name);
  if (!entry) {
    io.err(`sitevault: unknown command '${name}'. Run 'sitevault help' for the list of commands.`);
    return EXIT_USAGE;
  }
  let command: CommandSpec;
  let args = rest;
  if (isGroup(entry)) {
    const [sub, ...subArgs] = rest;
    const found = entry.subcommands.find((c) => c.name === `${name} ${sub}`);
    if (!found) {
      if (sub === undefined || sub === '--help' || sub === '-h') {
        (sub ? io.out : io.err)(groupHelp(entry));
        return sub ? EXIT_OK : EXIT_USAGE;
      }
      io.err(`sitevault ${name}: unknown command '${sub}'.\n\n${groupHelp(entry)}`);
      return EXIT_USAGE;
    }
    command = found;
    args = subArgs;
  } else {
    command = entry;
  }
  if (wantsHelp(args)) {
    io.out(commandHelp(command));
    return EXIT_OK;
  }
  try {
    const input = parseCommand(command, args);
    return await command.run(input, (input.values['json'] as unknown) === true ? terminalSafeOutput(output, { rawOut: true }) : io, env);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`sitevault ${command.name}: ${(error as Error).message}\nRun 'sitevault ${command.name} --help' for its usage.`);
      return EXIT_USAGE;
    }
    const payload = toErrorPayload(error);
    if (payload.code !== 'INTERNAL') {
      const hint = cliHint(payload);
      io.err(`sitevault ${command.name}: ${payload.message} [${payload.code}]${hint ? `\n${hint}` : ''}`);
      return EXIT_ERROR;
    }
    io.err(`sitevault ${command.name}: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  }
}

/** `sitevault help COMMAND [SUBCOMMAND]`. */
function helpFor(words: string[], io: CliOutput): number {
  const entry = findCommand(words[0]!);
  if (!entry) {
    io.err(`sitevault help: unknown command '${words[0]}'.`);
    return EXIT_USAGE;
  }
  if (!isGroup(entry)) {
    io.out(commandHelp(entry));
    return EXIT_OK;
  }
  const sub = entry.subcommands.find((c) => c.name === words.slice(0, 2).join(' '));
  io.out(sub ? commandHelp(sub) : groupHelp(entry));
  return EXIT_OK;
}
