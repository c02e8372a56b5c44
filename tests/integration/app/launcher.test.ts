import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipWriter } from '../../../src-main/core/archive/zip-writer';
import { PROJECT_ROOT } from '../../helpers/cli';

/**
 * The launcher chain a new user runs: `npm start` / `npm run dev` → Electron's installer →
 * electron-vite → the Electron binary. The binary cannot be downloaded here, so a loopback
 * mirror (ELECTRON_MIRROR) serves a zip whose `electron` is a stand-in: it records its
 * arguments and environment, resolves the app entry the way Electron does, and exits.
 *
 * Each run happens in a temporary copy of the project whose node_modules links to the real
 * one, except `electron` (fresh, as `npm install` leaves it: no binary) and `electron-vite`
 * (copied so it resolves that `electron`). Nothing is left in the real node_modules.
 */

const electronPackage = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string };
const ZIP_NAME = `electron-v${electronPackage.version}-${process.platform}-${process.arch}.zip`;
const COPIED_PACKAGES = new Set(['electron', 'electron-vite', '.bin']);
const NOT_COPIED = new Set(['node_modules', 'out', 'dist', 'test-results', 'playwright-report', '.vitest-results', '.git']);

const STAND_IN = `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
// Electron's first argument is the app: a folder means its package.json's "main".
const app = path.resolve(args[0] ?? '.');
const main = fs.statSync(app).isDirectory()
  ? path.resolve(app, JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')).main ?? 'index.js')
  : app;
const record = {
  argv: args,
  cwd: process.cwd(),
  main,
  mainExists: fs.existsSync(main),
  rendererUrl: process.env.ELECTRON_RENDERER_URL ?? null,
  renderer: null,
};
(async () => {
  if (record.rendererUrl) {
    const response = await fetch(record.rendererUrl);
    record.renderer = { status: response.status, html: await response.text() };
  }
  fs.writeFileSync(process.env.SITEVAULT_STAND_IN_RECORD, JSON.stringify(record));
})();
`;

interface StandInRecord {
  argv: string[];
  cwd: string;
  main: string;
  mainExists: boolean;
  rendererUrl: string | null;
  renderer: { status: number; html: string } | null;
}

interface Mirror {
  url: string;
  requests: string[];
  server: Server;
}

let work: string;
let zip: Buffer;
let mirror: Mirror;

async function standInZip(): Promise<Buffer> {
  const parts: Buffer[] = [];
  const writer = new ZipWriter(async (bytes) => void parts.push(bytes));
  const now = Date.now();
  const file = async (name: string, mode: number, text: string) => {
    const data = Buffer.from(text);
    await writer.addFile(
      name,
      mode,
      now,
      data.length,
      (async function* () {
        yield data;
      })(),
    );
  };
  await file('electron', 0o755, STAND_IN);
  await file('chrome-sandbox', 0o755, '#!/bin/sh\nexit 1\n');
  await file('version', 0o644, electronPackage.version);
  await writer.finish();
  return Buffer.concat(parts);
}

async function startMirror(): Promise<Mirror> {
  const requests: string[] = [];
  const shasums = `${createHash('sha256').update(zip).digest('hex')} *${ZIP_NAME}\n`;
  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push(path);
    if (path.endsWith(`/${ZIP_NAME}`)) response.end(zip);
    else if (path.endsWith('/SHASUMS256.txt')) response.end(shasums);
    else response.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests, server };
}

/** A copy of the project as `npm install` leaves it: no Electron binary yet. */
async function freshProject(name: string): Promise<string> {
  const project = join(work, name);
  await mkdir(project);
  for (const entry of await readdir(PROJECT_ROOT)) {
    if (!NOT_COPIED.has(entry)) await cp(join(PROJECT_ROOT, entry), join(project, entry), { recursive: true });
  }
  const realModules = join(PROJECT_ROOT, 'node_modules');
  const modules = join(project, 'node_modules');
  await mkdir(join(modules, '.bin'), { recursive: true });
  for (const entry of await readdir(realModules)) {
    if (!COPIED_PACKAGES.has(entry)) await symlink(join(realModules, entry), join(modules, entry));
  }
  // Relative links, so each bin resolves inside this copy.
  for (const bin of await readdir(join(realModules, '.bin'))) {
    const from = join(realModules, '.bin', bin);
    if ((await lstat(from)).isSymbolicLink()) await symlink(await readlink(from), join(modules, '.bin', bin));
  }
  await cp(join(realModules, 'electron-vite'), join(modules, 'electron-vite'), { recursive: true });
  await cp(join(realModules, 'electron'), join(modules, 'electron'), {
    recursive: true,
    filter: (source) => !['dist', 'path.txt'].includes(source.slice(join(realModules, 'electron').length + 1)),
  });
  return project;
}

interface NpmRun {
  code: number | null;
  output: string;
  record: StandInRecord | null;
}

function npmRun(project: string, script: 'start' | 'dev', mirrorUrl: string): Promise<NpmRun> {
  const recordFile = join(project, 'stand-in.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ELECTRON_MIRROR: mirrorUrl,
    // The loopback mirror's zip is not Electron's, so its SHASUMS256.txt is used, not the bundled one.
    electron_use_remote_checksums: '1',
    electron_config_cache: join(project, 'electron-cache'),
    ELECTRON_GET_NO_PROGRESS: '1',
    SITEVAULT_STAND_IN_RECORD: recordFile,
  };
  delete env['ELECTRON_SKIP_BINARY_DOWNLOAD'];
  delete env['ELECTRON_RENDERER_URL'];
  delete env['ELECTRON_EXEC_PATH'];
  delete env['ELECTRON_OVERRIDE_DIST_PATH'];
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', script], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const record = existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, 'utf8')) as StandInRecord) : null;
      done({ code, output, record });
    });
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sv-launcher-'));
  zip = await standInZip();
  mirror = await startMirror();
});

afterAll(async () => {
  await new Promise((done) => mirror?.server.close(done));
  await rm(work, { recursive: true, force: true });
});

describe('npm start and npm run dev on a fresh install', () => {
  it('npm start downloads Electron once, builds, and starts it with the built main entry', { timeout: 240_000 }, async () => {
    const project = await freshProject('start');
    const run = await npmRun(project, 'start', mirror.url);
    expect(run.output).not.toContain('Electron uninstall');
    expect(run.code, run.output).toBe(0);
    expect(mirror.requests.filter((path) => path.endsWith(`/${ZIP_NAME}`))).toHaveLength(1);
    expect(run.record).toMatchObject({ argv: ['.'], cwd: project, main: resolve(project, 'out/main/index.js'), mainExists: true, rendererUrl: null });
    // The entry is this run's build of src-main/electron/main.ts.
    expect(await readFile(join(project, 'out/main/index.js'), 'utf8')).toContain('requestSingleInstanceLock');
    // The built page keeps the strict policy: dev mode's style nonce is not in it.
    const builtPage = await readFile(join(project, 'out/renderer/index.html'), 'utf8');
    expect(builtPage).toContain("style-src 'self';");
    expect(builtPage).not.toContain('nonce');

    // Started again with the binary in place: no download, and the network is not touched.
    const before = mirror.requests.length;
    await rm(join(project, 'stand-in.json'));
    const again = await npmRun(project, 'start', 'http://127.0.0.1:9/unreachable/');
    expect(again.code, again.output).toBe(0);
    expect(mirror.requests.length).toBe(before);
    expect(again.record?.main).toBe(resolve(project, 'out/main/index.js'));
  });

  it('npm run dev downloads Electron and starts it with the dev server’s address, which serves the renderer', { timeout: 240_000 }, async () => {
    const project = await freshProject('dev');
    const run = await npmRun(project, 'dev', mirror.url);
    expect(run.output).not.toContain('Electron uninstall');
    expect(run.code, run.output).toBe(0);
    expect(run.record).toMatchObject({ argv: ['.'], main: resolve(project, 'out/main/index.js'), mainExists: true });
    expect(run.record?.rendererUrl).toMatch(/^http:\/\/localhost:\d+$/);
    expect(run.record?.renderer?.status).toBe(200);
    expect(run.record?.renderer?.html).toContain('<div id="app"></div>');
    expect(run.record?.renderer?.html).toMatch(/style-src 'self' 'nonce-/);
  });

  it('npm start without a reachable download says why, and what to do instead', { timeout: 240_000 }, async () => {
    const project = await freshProject('offline');
    // A loopback port nobody listens on (fetch refuses well-known ports such as 9 by itself).
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const run = await npmRun(project, 'start', `http://127.0.0.1:${port}/unreachable/`);
    expect(run.code).not.toBe(0);
    expect(run.record).toBeNull();
    expect(run.output).toContain('could not be downloaded');
    // The installer itself says only "fetch failed"; the reason comes from the system.
    expect(run.output).toMatch(new RegExp(`Reaching 127\\.0\\.0\\.1:${port} from here fails: .*ECONNREFUSED`));
    expect(run.output).toContain('`npm run serve` runs the same app in your browser');
  });
});
