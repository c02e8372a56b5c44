/**
 * Runs before `npm start` and `npm run dev` (prestart, predev).
 *
 * Since Electron 42 the `electron` package downloads its binary on first use, not on
 * `npm install`; electron-vite only reads `node_modules/electron/path.txt` and stops with
 * "Electron uninstall" when it is missing. So this runs Electron's own installer (the
 * `install-electron` bin), which returns at once, without the network, when the binary is
 * in place. On Linux it then checks that Electron's sandbox can start (see
 * electron-sandbox-check.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sandboxProblem, type SandboxFacts } from './electron-sandbox-check';

const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));
const { version } = require('electron/package.json') as { version: string };
const pathFile = join(electronDir, 'path.txt');

if (!existsSync(pathFile)) {
  console.log(`Electron ${version} is not downloaded yet: downloading it once into ${join(electronDir, 'dist')} …`);
}
const install = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' });
if (install.status !== 0 || !existsSync(pathFile)) {
  // Electron's installer prints only "fetch failed"; the reason (no DNS, refused, a TLS problem) is in the error's cause.
  const source = process.env['ELECTRON_MIRROR'] || 'https://github.com/';
  const cause = await reasonUnreachable(source);
  console.error(
    [
      ``,
      `Electron ${version} could not be downloaded (the error is above), so the desktop window cannot open.`,
      ...(cause ? [`Reaching ${new URL(source).host} from here fails: ${cause}.`] : []),
      `It comes from GitHub (github.com/electron/electron/releases). Behind a proxy, set HTTPS_PROXY and`,
      `ELECTRON_GET_USE_PROXY=1; with a mirror, set ELECTRON_MIRROR. Then run the same command again.`,
      `Without Electron, \`npm run serve\` runs the same app in your browser.`,
    ].join('\n'),
  );
  process.exit(1);
}

if (process.platform === 'linux') {
  const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8'));
  const problem = sandboxProblem(linuxSandboxFacts(join(dirname(binary), 'chrome-sandbox')));
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}

function linuxSandboxFacts(helperPath: string): SandboxFacts {
  // The same probe electron-builder's AppImage launcher uses.
  const probe = spawnSync('unshare', ['-Ur', 'true'], { stdio: 'ignore' });
  const userNamespaces = probe.error ? null : probe.status === 0;
  let helper: SandboxFacts['helper'];
  try {
    const stats = statSync(helperPath);
    helper = { path: helperPath, uid: stats.uid, mode: stats.mode };
  } catch {
    helper = null;
  }
  let apparmorRestricts: boolean;
  try {
    apparmorRestricts = readFileSync('/proc/sys/kernel/apparmor_restrict_unprivileged_userns', 'utf8').trim() === '1';
  } catch {
    apparmorRestricts = false;
  }
  return { userNamespaces, helper, helperPath, apparmorRestricts };
}

/** Why the download's source cannot be reached directly, in the system's words; null when it can (a proxy may still be needed). */
async function reasonUnreachable(source: string): Promise<string | null> {
  try {
    await fetch(source, { method: 'HEAD', signal: AbortSignal.timeout(8000) });
    return null;
  } catch (error) {
    const cause = (error as { cause?: { message?: unknown } }).cause;
    return typeof cause?.message === 'string' ? cause.message : (error as Error).message;
  }
}
