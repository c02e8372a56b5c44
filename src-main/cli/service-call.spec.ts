import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../core/contract/errors';
import { MemoryBackend } from '../core/backends/memory-backend';
import { backup } from '../core/engine/backup';
import { Repository } from '../core/engine/repository';
import { MemorySource, TEST_PASSPHRASE } from '../core/engine/testing';
import { openCore, type Core } from '../core/open-core';
import type { SecretStore } from '../core/secrets/keychain';
import { followJob } from './job-wait';
import { callService } from './service-call';
import { UsageError } from './usage';

/** This spec saves nothing: a keychain that holds nothing. */
const noSecrets: SecretStore = {
  status: async () => ({ available: false, backend: 'none', problem: 'not in this spec' }),
  write: async () => {
    throw new Error('nothing is saved in this spec');
  },
  read: async () => null,
  has: async () => false,
  remove: async () => false,
};

let home: string;
let core: Core;
beforeEach(async () => {
  vi.stubEnv('SITEVAULT_SEAL_THREADS', '0');
  home = await mkdtemp(join(tmpdir(), 'sv-service-call-'));
  core = await openCore({ shell: 'cli', env: { SITEVAULT_HOME: home }, secrets: noSecrets });
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('callService', () => {
  const request = { site: 'Shop', destination: 'Local', snapshot: 'latest', newUrl: 'ftp://staging.example.com' };

  it('names the flag of a value the contract refuses, in the contract’s words, as a usage error', async () => {
    const refused = callService(core, 'restore:preview', request, { newUrl: '--new-url' });
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow('--new-url: An address is http:// or https:// and a host name.');
  });

  it('passes other refusals on as the service words them for every adapter', async () => {
    const refused = callService(core, 'restore:preview', request);
    await expect(refused).rejects.toThrow(ApiError);
    await expect(refused).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('newUrl: An address is http:// or https:// and a host name.') });
  });

  it('reaches a repository this process was given (not saved) by the name it was lent under: a download to a file, as a job', async () => {
    const memory = new MemoryBackend();
    const repo = await Repository.init(memory, TEST_PASSPHRASE);
    const { id } = await backup(repo, new MemorySource({ 'index.php': '<?php echo 1;', 'wp-content/a.txt': 'a' }), { site: 'Shop' });
    const destination = core.destinations.useUnsaved({ open: () => memory, passphrase: TEST_PASSPHRASE });
    expect(destination).toContain('/');
    expect(core.destinations.knows(destination)).toBe(true);
    expect(core.destinations.list()).toEqual([]);

    const file = join(home, 'site.tar');
    const { jobId } = await callService(core, 'download:start', { destination, snapshot: 'latest', format: 'tar', file });
    const job = await followJob(core, jobId!);
    expect(job.result).toMatchObject({ snapshot: id, path: file, format: 'tar', files: 2 });
    expect(execFileSync('tar', ['-xOf', file, 'index.php']).toString()).toBe('<?php echo 1;');
    expect(await readFile(join(home, 'settings.json'), 'utf8').catch(() => '')).not.toContain(destination);
  });
});
