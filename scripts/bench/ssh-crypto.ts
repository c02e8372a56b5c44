/**
 * npm run bench:ssh-crypto: what ssh2's optional native binding (sshcrypto.node) saves.
 *
 * In the packaged Electron app the binding is absent (it is built for the system Node's ABI,
 * and electron-builder does not rebuild it: docs/desktop.md), so ssh2 uses its JavaScript
 * path (Node's crypto per packet). Against the harness's sshd on loopback, with the binding
 * and with it blocked: ssh2 alone downloads and uploads BENCH_MB (default 256) MiB over SFTP
 * with AES-128-GCM (ssh2's first choice) and ChaCha20-Poly1305, with and without TCP_NODELAY
 * (wall and client CPU time); then SiteVault's own CLI backs up one file of that size over
 * SFTP only and over SSH with a shell. Needs root (the harness creates users) and a build.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHarness, stopHarness } from '../../tests/harness/harness';
import { measure, table } from './measure';

const SIZE_MIB = Number(process.env['BENCH_MB'] ?? 256);
const CIPHERS = ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com'] as const;
/** BENCH_PARTS=ssh2,sitevault (the default: both). */
const PARTS = (process.env['BENCH_PARTS'] ?? 'ssh2,sitevault').split(',');
const require = createRequire(import.meta.url);
const cli = fileURLToPath(new URL('../../bin/sitevault.js', import.meta.url));

/**
 * Loaded before SiteVault's CLI: blocks the binding when SV_BENCH_JS=1; with SV_BENCH_NAGLE=1,
 * ignores setNoDelay, as SiteVault's SSH connections were before they set TCP_NODELAY.
 */
const PRELOAD = String.raw`
const Module = require('node:module');
if (process.env.SV_BENCH_NAGLE === '1') require('node:net').Socket.prototype.setNoDelay = function () { return this; };
if (process.env.SV_BENCH_JS === '1') {
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request.endsWith('sshcrypto.node')) throw new Error('blocked for the benchmark');
    return load.call(this, request, ...rest);
  };
}
`;

/** One transfer in a fresh process, so the binding is loaded (or refused) from the start. */
const CHILD = String.raw`
const Module = require('node:module');
const [ssh2Path, mode, cipher, host, port, username, password, remoteFile, sizeMiB, noDelay] = process.argv.slice(2);
if (mode === 'js') {
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request.endsWith('sshcrypto.node')) throw new Error('blocked for the benchmark');
    return load.call(this, request, ...rest);
  };
}
const { Client } = require(ssh2Path);
const binding = require(require.resolve('ssh2/lib/protocol/crypto.js', { paths: [ssh2Path] })).bindingAvailable;
const client = new Client();
const chunk = Buffer.alloc(1 << 20, 7);
client.on('ready', () => {
  if (noDelay === 'nodelay') client.setNoDelay(true);
  client.sftp(async (error, sftp) => {
  if (error) throw error;
  const measure = async (run) => {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await run();
    const used = process.cpuUsage(cpu);
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: (used.user + used.system) / 1e6 };
  };
  const download = await measure(() => new Promise((done, fail) => {
    let bytes = 0;
    sftp.createReadStream(remoteFile, { highWaterMark: 1 << 20 }).on('data', (data) => (bytes += data.length)).on('error', fail).on('end', () => done(bytes));
  }));
  const upload = await measure(() => new Promise((done, fail) => {
    const out = sftp.createWriteStream(remoteFile + '.up');
    out.on('error', fail).on('close', done);
    let left = Number(sizeMiB);
    const write = () => {
      while (left > 0) { left--; if (!out.write(chunk)) return out.once('drain', write); }
      out.end();
    };
    write();
  }));
  console.log(JSON.stringify({ binding, download, upload }));
  client.end();
});
});
client.connect({ host, port: Number(port), username, password, algorithms: { cipher: [cipher] }, hostVerifier: () => true });
`;

async function main(): Promise<void> {
  const harness = await startHarness(['sshd']);
  const work = await mkdtemp(join(tmpdir(), 'sv-bench-ssh-'));
  try {
    const sshd = harness.sshd!;
    const remoteFile = join(sshd.shell.home, 'bench.bin');
    const block = randomBytes(1 << 20);
    await writeFile(remoteFile, Buffer.concat(Array.from({ length: SIZE_MIB }, () => block)));
    await chmod(remoteFile, 0o666);
    spawnSync('chown', [sshd.shell.username, remoteFile]);
    const child = join(work, 'transfer.cjs');
    await writeFile(child, CHILD);
    const ssh2Path = require.resolve('ssh2');
    const rows: Array<Array<string | number>> = [];
    for (const cipher of PARTS.includes('ssh2') ? CIPHERS : []) {
      for (const [mode, socket] of [
        ['binding', 'nagle'],
        ['js', 'nagle'],
        ['binding', 'nodelay'],
        ['js', 'nodelay'],
      ] as const) {
        const run = spawnSync(process.execPath, [child, ssh2Path, mode, cipher, sshd.host, String(sshd.port), sshd.shell.username, sshd.shell.password, remoteFile, String(SIZE_MIB), socket], {
          encoding: 'utf8',
        });
        if (run.status !== 0) throw new Error(`transfer (${cipher}, ${mode}) failed: ${run.stderr}`);
        const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { binding: boolean; download: { seconds: number; cpuSeconds: number }; upload: { seconds: number; cpuSeconds: number } };
        if (result.binding !== (mode === 'binding')) throw new Error(`expected the binding ${mode === 'binding' ? 'loaded' : 'blocked'}, got bindingAvailable=${result.binding}`);
        const rate = (seconds: number) => SIZE_MIB / seconds;
        rows.push([
          cipher.split('@')[0]!,
          mode === 'binding' ? 'native binding' : 'JavaScript path',
          socket === 'nodelay' ? 'TCP_NODELAY' : 'default (Nagle)',
          result.download.seconds,
          rate(result.download.seconds),
          result.download.cpuSeconds,
          result.upload.seconds,
          rate(result.upload.seconds),
          result.upload.cpuSeconds,
        ]);
        console.log(
          `${cipher} ${mode} ${socket}: down ${result.download.seconds.toFixed(2)} s (${result.download.cpuSeconds.toFixed(2)} s CPU), up ${result.upload.seconds.toFixed(2)} s (${result.upload.cpuSeconds.toFixed(2)} s CPU)`,
        );
      }
    }
    if (rows.length > 0) console.log(`\nssh2 alone: SFTP on loopback, ${SIZE_MIB} MiB each way, Node ${process.version}:\n`);
    if (rows.length > 0) console.log(table(['cipher', 'ssh2 crypto', 'socket', 'download s', 'MiB/s', 'client CPU s', 'upload s', 'MiB/s', 'client CPU s'], rows));

    // SiteVault's own backup of one file of random bytes, over SFTP only and over SSH with a shell (tar).
    const preload = join(work, 'preload.cjs');
    await writeFile(preload, PRELOAD);
    const sftpDir = join(sshd.sftp.chroot, 'public_html', 'bench-crypto');
    const shellDir = join(sshd.shell.home, 'bench-crypto');
    for (const [dir, user] of [
      [sftpDir, sshd.sftp.username],
      [shellDir, sshd.shell.username],
    ] as const) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'big.bin'), Buffer.concat(Array.from({ length: SIZE_MIB }, () => block)));
      spawnSync('chown', ['-R', `${user}:`, dir]);
    }
    const sources = [
      ['SFTP only', `sftp://${sshd.sftp.username}@127.0.0.1:${sshd.port}/public_html/bench-crypto`, sshd.sftp.password],
      ['SSH (tar)', `sftp://${sshd.shell.username}@127.0.0.1:${sshd.port}${shellDir}`, sshd.shell.password],
    ] as const;
    const backups: Array<Array<string | number>> = [];
    for (const [label, url, password] of PARTS.includes('sitevault') ? sources : []) {
      for (const [mode, socket] of [
        ['binding', 'nagle'],
        ['js', 'nagle'],
        ['binding', 'nodelay'],
        ['js', 'nodelay'],
      ] as const) {
        const repo = join(work, 'repo');
        await rm(repo, { recursive: true, force: true });
        const env = {
          ...process.env,
          SITEVAULT_PASSPHRASE: 'bench',
          SITEVAULT_HOME: join(work, 'home'),
          SITEVAULT_SOURCE_PASSWORD: password,
          SV_BENCH_JS: mode === 'js' ? '1' : '0',
          SV_BENCH_NAGLE: socket === 'nagle' ? '1' : '0',
        };
        await measure(process.execPath, [cli, 'init', '--repo', repo], env);
        const run = await measure(process.execPath, ['--require', preload, cli, 'backup', '--repo', repo, '--source', url, '--source-host-key', sshd.hostKeyFingerprint, '--db', 'none', '--json'], env);
        backups.push([label, mode === 'binding' ? 'native binding' : 'JavaScript path', socket === 'nodelay' ? 'TCP_NODELAY (now)' : 'Nagle (before)', run.seconds, SIZE_MIB / run.seconds]);
        console.log(`SiteVault backup, ${label}, ${mode}, ${socket}: ${run.seconds.toFixed(2)} s`);
      }
    }
    console.log(`\nSiteVault backup of one ${SIZE_MIB} MiB file of random bytes (first backup, local repository), Node ${process.version}:\n`);
    console.log(table(['source', 'ssh2 crypto', 'socket', 'seconds', 'MiB/s'], backups));
  } finally {
    await rm(work, { recursive: true, force: true });
    await stopHarness(harness);
  }
}

await main();
