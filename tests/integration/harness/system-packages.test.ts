import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEBIAN_PACKAGES, missingPackages } from '../../../scripts/system-packages.mjs';
import { PROJECT_ROOT } from '../../helpers/cli';

function runAs(user: string, script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('su', ['-s', '/bin/sh', user, '-c', `cd '${PROJECT_ROOT}' && '${process.execPath}' --input-type=module -e "${script}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('npm test’s system packages on this Debian machine', () => {
  it('finds every listed package installed: the list names real packages, and npm test installed them', () => {
    expect(missingPackages(DEBIAN_PACKAGES)).toEqual([]);
  });

  it('as a user other than root, prints the exact command for what is missing and refuses to go on', async () => {
    const run = await runAs('nobody', `const m = await import('./scripts/system-packages.mjs'); process.exit(m.ensureDebianPackages(['openssh-server', 'surely-not-a-package-sitevault']) ? 0 : 3);`);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain("sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends surely-not-a-package-sitevault'");
    expect(run.stdout).not.toContain('Installing');
  });
});
