import { describe, expect, it } from 'vitest';
import { REQUIRED_PROGRAMS } from '../../tests/harness/system';
import { DEBIAN_PACKAGES, isDebianLike, missingPackages, packagePlan } from '../../scripts/system-packages.mjs';

describe('the Debian packages npm test needs', () => {
  it('are one list that holds every package the harness names', () => {
    expect(new Set(DEBIAN_PACKAGES).size).toBe(DEBIAN_PACKAGES.length);
    for (const name of new Set(Object.values(REQUIRED_PROGRAMS))) expect(DEBIAN_PACKAGES).toContain(name);
    expect(DEBIAN_PACKAGES).toContain('php-mysql');
  });

  it('are installed by npm test on Debian or Ubuntu as root, and only the missing ones', () => {
    expect(packagePlan({ missing: [], debianLike: true, root: true, aptGet: true })).toEqual({ action: 'none' });
    expect(packagePlan({ missing: ['restic', 'lftp'], debianLike: true, root: true, aptGet: true })).toEqual({ action: 'install', packages: ['restic', 'lftp'] });
  });

  it('are named with the exact command elsewhere, and nothing runs', () => {
    const notRoot = packagePlan({ missing: ['restic', 'lftp'], debianLike: true, root: false, aptGet: true });
    expect(notRoot).toMatchObject({ action: 'instruct' });
    const message = (notRoot as { message: string }).message;
    expect(message).toContain("sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends restic lftp'");
    expect(message).toContain('No test was run.');
    const macos = packagePlan({ missing: DEBIAN_PACKAGES, debianLike: false, root: false, aptGet: false });
    expect((macos as { message: string }).message).toMatch(/run on Debian or Ubuntu, as root[\s\S]*apt-get install -y --no-install-recommends openssh-server/);
  });

  it('recognises Debian and Ubuntu (and their derivatives) from /etc/os-release', () => {
    expect(isDebianLike('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')).toBe(true);
    expect(isDebianLike('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n')).toBe(true);
    expect(isDebianLike('NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n')).toBe(true);
    expect(isDebianLike('NAME="Fedora Linux"\nID=fedora\n')).toBe(false);
    expect(isDebianLike('')).toBe(false);
  });

  it('counts a package dpkg does not know as missing', () => {
    expect(missingPackages(['surely-not-a-package-sitevault'])).toEqual(['surely-not-a-package-sitevault']);
  });
});
