import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';
import { FakeSshServer } from '../../harness/fake-ssh-server';
import { accountPasswordEnv, loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { placeSite } from '../../harness/site-placement';

let harness: HarnessInfo;
let home: string;
let fake: FakeSshServer;
let switcher: Server | null = null;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: 'reconnect host key', ...accountPasswordEnv(harness), ...extra });
const { sv, json } = cliWith(env);

beforeAll(async () => {
  harness = await loadHarnessInfo();
  home = await mkdtemp(join(tmpdir(), 'sv-reconnect-key-'));
  fake = await new FakeSshServer().start();
});
afterAll(async () => {
  switcher?.close();
  await fake.stop();
  await rm(home, { recursive: true, force: true });
});

/**
 * The first connection goes to the real server and is cut once `cutAfter` bytes came back;
 * every later one goes to `then` (someone in the middle, with another host key).
 */
async function switchingProxy(first: { port: number }, then: { port: number }, cutAfter: number): Promise<number> {
  let connections = 0;
  switcher = createServer((client) => {
    const server = new Socket();
    const isFirst = connections++ === 0;
    let received = 0;
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    client.pipe(server);
    server.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (isFirst && received >= cutAfter) {
        client.resetAndDestroy();
        server.resetAndDestroy();
        return;
      }
      client.write(chunk);
    });
    server.on('end', () => client.end());
    server.connect(isFirst ? first.port : then.port, '127.0.0.1');
  });
  await new Promise<void>((resolve) => switcher!.listen(0, '127.0.0.1', resolve));
  return (switcher.address() as AddressInfo).port;
}

describe('a backup over SSH whose connection is cut, when the new connection reaches another server', () => {
  it('refuses it at its host key before sending the password: HOST_KEY_CHANGED, one attempt, no snapshot', async () => {
    const placed = await placeSite(harness, 'ssh-shell', 'reconnect-host-key');
    const port = await switchingProxy({ port: harness.sshd!.port }, { port: fake.port }, 300_000);
    const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${port}${placed.remotePath}`;
    const added = await sv(['site', 'add', 'moved', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--max-retries', '3', '--db', 'none']);
    expect(added.code, added.stderr).toBe(0);
    const repo = join(home, 'repo');
    expect((await sv(['init', '--repo', repo])).code).toBe(0);

    const run = await sv(['backup', '--repo', repo, '--site', 'moved']);

    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/HOST_KEY_CHANGED|has CHANGED/);
    expect(run.stderr).toContain(fake.fingerprint);
    // The new connection was made, and given up at the key: no password, no retry after it.
    expect(fake.connections).toHaveLength(1);
    expect(fake.secretsReceived).toBe(false);
    expect(await json(['snapshots', '--repo', repo, '--json'])).toEqual([]);
  }, 120_000);
});
