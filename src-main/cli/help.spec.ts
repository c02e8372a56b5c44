import { describe, expect, it } from 'vitest';
import { isGroup } from './command';
import { main } from './main';
import { COMMAND_GROUPS } from './registry';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (line) => (out += `${line}\n`), err: (line) => (err += `${line}\n`) }, {});
  return { code, out, err };
}

const everyCommand = COMMAND_GROUPS.flatMap((group) => group.commands.flatMap((c) => (isGroup(c) ? c.subcommands.map((s) => s.name) : [c.name])));

describe('sitevault help', () => {
  it.each(everyCommand)('%s --help and -h exit 0 with that command’s usage, options and exit codes', async (name) => {
    for (const flag of ['--help', '-h']) {
      const { code, out, err } = await run([...name.split(' '), flag]);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toContain(`Usage:\n  sitevault ${name}`);
      expect(out).toMatch(/Options:\n/);
      expect(out).toContain('Exit codes:\n  0 ');
    }
  });

  it('the help of a command lists each of its options with its default', async () => {
    const { out } = await run(['destination', 'add', '--help']);
    expect(out).toMatch(/--max-connections N\s+Connections at once \(0 = unlimited\)\. Default: 0\./);
    expect(out).toMatch(/--timeout SECONDS\s+Connection timeout\. Default: 30\./);
    expect(out).toContain('Environment:\n  SITEVAULT_HOME');
  });

  it('no arguments, help and --help print the grouped command list and exit 0', async () => {
    for (const argv of [[], ['help'], ['--help']]) {
      const { code, out } = await run(argv);
      expect(code).toBe(0);
      for (const title of ['Sites and destinations:', 'Backup and restore:', 'Repository maintenance:', 'App:']) expect(out).toContain(title);
      for (const name of everyCommand) expect(out).toContain(`  ${name} `);
    }
  });

  it('help COMMAND and a group alone show their help', async () => {
    expect((await run(['help', 'backup'])).out).toContain('sitevault backup: ');
    expect((await run(['help', 'site', 'add'])).out).toContain('sitevault site add: ');
    const group = await run(['site', '--help']);
    expect(group.code).toBe(0);
    expect(group.out).toContain('site add');
    const bare = await run(['site']);
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('site add');
  });

  it('an unknown option is a usage error that points to the command’s help', async () => {
    const { code, err } = await run(['backup', '--nope']);
    expect(code).toBe(2);
    expect(err).toContain("Run 'sitevault backup --help'");
  });
});

describe('--repo given a name', () => {
  it('a name that is no saved destination is an error, not a new folder of that name', async () => {
    const { mkdtemp, rm, readdir } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const home = await mkdtemp(join(tmpdir(), 'sv-repo-name-'));
    const cwd = process.cwd();
    try {
      process.chdir(home);
      let err = '';
      const code = await main(['init', '--repo', 'Ofsite'], { out: () => {}, err: (line) => (err += line) }, { SITEVAULT_HOME: join(home, 'data'), SITEVAULT_PASSPHRASE: 'x' });
      expect(code).toBe(2);
      expect(err).toContain('No saved destination is named Ofsite (none is saved yet)');
      expect(await readdir(home)).not.toContain('Ofsite');
    } finally {
      process.chdir(cwd);
      await rm(home, { recursive: true, force: true });
    }
  });
});
