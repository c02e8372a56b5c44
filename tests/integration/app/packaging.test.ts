import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHarnessInfo, type HarnessInfo } from '../../harness/harness';
import { PROJECT_ROOT } from '../../helpers/cli';

/**
 * electron-builder with the repository's configuration, on a stand-in Electron distribution
 * (the real one cannot be downloaded here): `--dir` packs the app as the AppImage and the deb
 * would hold it. What it packs is checked, and the packed ssh2, which has no native addon,
 * logs in to the harness's sshd through its JavaScript path, as it will in Electron.
 */

const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as { listPackage(archive: string): string[]; extractAll(archive: string, dest: string): void };

let work: string;
let harness: HarnessInfo;

function electronBuilder(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(join(PROJECT_ROOT, 'node_modules/.bin/electron-builder'), args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

beforeAll(async () => {
  harness = await loadHarnessInfo();
  work = await mkdtemp(join(tmpdir(), 'sv-packaging-'));
  const dist = join(work, 'electron-dist');
  await mkdir(join(dist, 'resources'), { recursive: true });
  for (const name of ['electron', 'chrome-sandbox']) {
    await writeFile(join(dist, name), '#!/bin/sh\nexit 0\n');
    await chmod(join(dist, name), 0o755);
  }
  await writeFile(join(dist, 'version'), '45.4.1');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('electron-builder with electron-builder.yml', () => {
  it('packs the built app with its keychain binary unpacked, the tray icons, and no addon built for the system’s Node', { timeout: 240_000 }, async () => {
    const output = join(work, 'out-linux');
    const run = await electronBuilder(['--linux', '--x64', '--dir', `-c.electronDist=${join(work, 'electron-dist')}`, `-c.directories.output=${output}`]);
    expect(run.code, run.output).toBe(0);
    const app = join(output, 'linux-unpacked');
    expect(existsSync(join(app, 'sitevault'))).toBe(true);
    for (const name of ['tray.png', 'tray@2x.png', 'trayTemplate.png', 'trayTemplate@2x.png']) expect(existsSync(join(app, 'resources', name))).toBe(true);

    const archive = join(app, 'resources', 'app.asar');
    const files = asar.listPackage(archive).map((file) => file.replace(/\\/g, '/'));
    expect(files).toEqual(expect.arrayContaining(['/package.json', '/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/node_modules/ssh2/lib/protocol/crypto.js']));
    expect(files.filter((file) => /\.node$|\/cpu-features|\/protocol\/crypto\/build/.test(file) && !file.includes('@napi-rs/keyring'))).toEqual([]);
    const unpacked = join(app, 'resources', 'app.asar.unpacked', 'node_modules', '@napi-rs');
    expect(readdirSync(join(unpacked, 'keyring-linux-x64-gnu')).filter((file) => file.endsWith('.node'))).toEqual(['keyring.linux-x64-gnu.node']);

    // The packed ssh2, as Electron will load it: no addon, so its JavaScript path, against a real sshd.
    const extracted = join(work, 'app');
    asar.extractAll(archive, extracted);
    const packedRequire = createRequire(join(extracted, 'package.json'));
    expect((packedRequire('ssh2/lib/protocol/crypto.js') as { bindingAvailable: boolean }).bindingAvailable).toBe(false);
    const { Client } = packedRequire('ssh2') as typeof import('ssh2');
    const sshd = harness.sshd!;
    const listing = await new Promise<string[]>((done, fail) => {
      const client = new Client();
      client.on('error', fail);
      client.on('ready', () =>
        client.sftp((error, sftp) => {
          if (error) return fail(error);
          sftp.readdir('/', (readError, entries) => {
            client.end();
            if (readError) fail(readError);
            else done(entries.map((entry) => entry.filename));
          });
        }),
      );
      client.connect({ host: sshd.host, port: sshd.port, username: sshd.sftp.username, password: sshd.sftp.password, algorithms: { cipher: ['aes128-gcm@openssh.com'] }, hostVerifier: () => true });
    });
    expect(listing).toContain('public_html');
  });

  it('stops `dist:win` on Linux before packing a Windows app without its keychain binary', { timeout: 120_000 }, async () => {
    const run = await electronBuilder(['--win', '--x64', '--dir', `-c.directories.output=${join(work, 'out-win')}`]);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('Cannot package SiteVault for win32 x64');
    expect(run.output).toContain('@napi-rs/keyring-win32-x64-msvc');
    expect(existsSync(join(work, 'out-win', 'win-unpacked', 'resources', 'app.asar'))).toBe(false);
  });
});
