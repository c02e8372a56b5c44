import { listKeys } from '../../core/engine/repository-keys';
import type { Repository } from '../../core/engine/repository';
import { defineCommand, type CommandGroup, type CommandInput } from '../command';
import type { CliOutput } from '../output';
import { JSON_OPTION, openRepo, passphraseFrom, REPO_ENV, REPO_OPTIONS, requirePositional } from '../repo-access';
import { EXIT_OK, UsageError } from '../usage';

const NEW_PASSPHRASE_ENV = { ...REPO_ENV, SITEVAULT_NEW_PASSPHRASE: 'The new passphrase (asked on a terminal when not set).' };

type KeyInput = CommandInput<typeof REPO_OPTIONS & typeof JSON_OPTION>;

function withRepo(work: (repo: Repository, input: KeyInput, io: CliOutput, env: NodeJS.ProcessEnv) => Promise<number>) {
  return async (input: KeyInput, io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> => {
    const repo = await openRepo(input.values.repo, env, input.values, { loadIndex: false });
    try {
      return await work(repo, input, io, env);
    } finally {
      await repo.backend.close();
    }
  };
}

const keyList = defineCommand({
  name: 'key list',
  summary: 'List the passphrases (keys) that open the repository.',
  usage: ['key list --repo REPO [--json]'],
  options: { ...REPO_OPTIONS, ...JSON_OPTION },
  env: REPO_ENV,
  run: withRepo(async (repo, { values }, io) => {
    const keys = await listKeys(repo.backend);
    if (values.json) io.out(JSON.stringify(keys.map((k) => ({ ...k, current: k.id === repo.keyId }))));
    else for (const k of keys) io.out(`${k.id === repo.keyId ? '*' : ' '} ${k.id.slice(0, 8)}  ${k.created}  ${k.hostname}`);
    return EXIT_OK;
  }),
});

const keyAdd = defineCommand({
  name: 'key add',
  summary: 'Add another passphrase that opens the repository.',
  usage: ['key add --repo REPO'],
  options: REPO_OPTIONS,
  env: NEW_PASSPHRASE_ENV,
  run: withRepo(async (repo, _input, io, env) => {
    const id = await repo.addKey(await passphraseFrom(env, 'SITEVAULT_NEW_PASSPHRASE', 'New passphrase: ', true));
    io.out(`Added key ${id.slice(0, 8)}.`);
    return EXIT_OK;
  }),
});

const keyPasswd = defineCommand({
  name: 'key passwd',
  summary: 'Change the passphrase that opened the repository (no data is re-encrypted).',
  usage: ['key passwd --repo REPO'],
  options: REPO_OPTIONS,
  env: NEW_PASSPHRASE_ENV,
  run: withRepo(async (repo, _input, io, env) => {
    const id = await repo.addKey(await passphraseFrom(env, 'SITEVAULT_NEW_PASSPHRASE', 'New passphrase: ', true));
    await repo.backend.delete(`keys/${repo.keyId}`);
    io.out(`Passphrase changed (key ${id.slice(0, 8)}); no data was re-encrypted.`);
    return EXIT_OK;
  }),
});

const keyRemove = defineCommand({
  name: 'key remove',
  summary: 'Remove a passphrase (not the one used to open the repository).',
  usage: ['key remove --repo REPO KEY-ID'],
  positionals: [{ name: 'KEY-ID', help: 'The key’s id, or a prefix of it (see key list).' }],
  options: REPO_OPTIONS,
  env: REPO_ENV,
  run: withRepo(async (repo, { positionals }, io) => {
    const prefix = requirePositional(positionals, 0, 'KEY-ID');
    const keys = (await listKeys(repo.backend)).filter((k) => k.id.startsWith(prefix));
    if (keys.length !== 1) throw new UsageError(`Key prefix ${prefix} matches ${keys.length} keys.`);
    if (keys[0]!.id === repo.keyId) throw new UsageError('Refusing to remove the key that opened the repository; open it with another passphrase first.');
    await repo.backend.delete(`keys/${keys[0]!.id}`);
    io.out(`Removed key ${keys[0]!.id.slice(0, 8)}.`);
    return EXIT_OK;
  }),
});

export const keyCommand: CommandGroup = { name: 'key', summary: 'Manage the repository’s passphrases.', subcommands: [keyList, keyAdd, keyPasswd, keyRemove] };
