// The Debian packages the test harness needs (tests/harness/debian-packages.json, the one
// list): which are missing, and what `npm test` does about it. On Debian or Ubuntu as root it
// installs them; anywhere else it prints the exact command and stops before any test.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const DEBIAN_PACKAGES = JSON.parse(readFileSync(new URL('../tests/harness/debian-packages.json', import.meta.url), 'utf8'));

/** Packages of `wanted` that dpkg does not have installed (all of them without dpkg). */
export function missingPackages(wanted) {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\\n', ...wanted], { encoding: 'utf8' });
  if (query.error) return [...wanted];
  const installed = new Set(
    query.stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, status]) => status === 'ii')
      .map(([name]) => name.replace(/:.*$/, '')),
  );
  return wanted.filter((name) => !installed.has(name));
}

/** Debian, Ubuntu and their derivatives, from /etc/os-release. */
export function isDebianLike(osRelease) {
  const field = (key) => new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(osRelease)?.[1] ?? '';
  return [field('ID'), ...field('ID_LIKE').split(/\s+/)].some((id) => id === 'debian' || id === 'ubuntu');
}

/**
 * What to do about `missing`: nothing, install them (Debian-like, root, apt-get there), or
 * stop with the command the user should run.
 */
export function packagePlan({ missing, debianLike, root, aptGet }) {
  if (missing.length === 0) return { action: 'none' };
  if (debianLike && root && aptGet) return { action: 'install', packages: missing };
  const install = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const lines = [`The tests need Debian packages that are not installed: ${missing.join(', ')}.`];
  if (debianLike && !root) {
    lines.push('npm test installs them itself when run as root (the harness needs root anyway: it creates test users). Or install them with:', `  sudo sh -c '${install}'`);
  } else if (debianLike) {
    lines.push('apt-get was not found. Install them with:', `  ${install}`);
  } else {
    lines.push('The integration and end-to-end tests run on Debian or Ubuntu, as root, in a disposable machine or container; there npm test installs them itself.', `On Debian or Ubuntu, as root: ${install}`);
  }
  lines.push('No test was run.');
  return { action: 'instruct', message: lines.join('\n') };
}

/** Runs the plan for this machine. Returns false when the tests cannot run. */
export function ensureDebianPackages(wanted = DEBIAN_PACKAGES) {
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const plan = packagePlan({
    missing: missingPackages(wanted),
    debianLike: isDebianLike(osRelease),
    root: typeof process.getuid === 'function' && process.getuid() === 0,
    aptGet: !spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).error,
  });
  if (plan.action === 'none') return true;
  if (plan.action === 'instruct') {
    process.stderr.write(`\n${plan.message}\n`);
    return false;
  }
  process.stdout.write(`\nInstalling the Debian packages the test servers need: ${plan.packages.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', '-o', 'DPkg::Lock::Timeout=600', '--no-install-recommends', ...plan.packages],
  ]) {
    process.stdout.write(`$ apt-get ${args.join(' ')}\n`);
    const run = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (run.status !== 0) {
      process.stderr.write(`apt-get ${args[0]} failed (exit ${run.status ?? run.signal}); no test was run. Fix the error above and run npm test again.\n`);
      return false;
    }
  }
  const still = missingPackages(plan.packages);
  if (still.length > 0) {
    process.stderr.write(`apt-get finished, but these are still not installed: ${still.join(', ')}. No test was run.\n`);
    return false;
  }
  return true;
}
