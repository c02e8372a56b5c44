import { isGroup } from './command';
import { COMMAND_GROUPS } from './registry';

/** `sitevault help`: the commands, grouped, each with its summary. */
export function generalHelp(): string {
  const lines = ['Usage: sitevault COMMAND [options]', ''];
  const listed = (command: (typeof COMMAND_GROUPS)[number]['commands'][number]) => (isGroup(command) ? command.subcommands : [command]);
  const width = Math.max(...COMMAND_GROUPS.flatMap((g) => g.commands.flatMap(listed)).map((c) => c.name.length)) + 2;
  for (const group of COMMAND_GROUPS) {
    lines.push(`${group.title}:`);
    for (const command of group.commands.flatMap(listed)) lines.push(`  ${command.name.padEnd(width)}${command.summary}`);
    lines.push('');
  }
  lines.push(
    'REPO is a folder, sftp://user@host:port/path, ftp://…, ftps://… (explicit TLS), s3://bucket/prefix, or a saved',
    'destination’s name (its secrets come from the keychain). SNAPSHOT is an id prefix or "latest".',
    'Secrets are never taken from the command line: they come from environment variables or the keychain.',
    '',
    "Run 'sitevault COMMAND --help' for a command's options, environment variables and exit codes.",
    "'sitevault --version' prints the version.",
  );
  return lines.join('\n');
}
