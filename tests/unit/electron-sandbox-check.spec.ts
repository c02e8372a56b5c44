import { describe, expect, it } from 'vitest';
import { sandboxProblem, type SandboxFacts } from '../../scripts/electron-sandbox-check';

const HELPER = '/home/ana/sitevault/node_modules/electron/dist/chrome-sandbox';
const facts = (overrides: Partial<SandboxFacts>): SandboxFacts => ({
  userNamespaces: false,
  helper: { path: HELPER, uid: 1000, mode: 0o100755 },
  helperPath: HELPER,
  apparmorRestricts: true,
  ...overrides,
});

describe('the Linux sandbox check before npm start', () => {
  it('lets Electron start where user namespaces work, whatever the helper', () => {
    expect(sandboxProblem(facts({ userNamespaces: true }))).toBeNull();
    expect(sandboxProblem(facts({ userNamespaces: true, helper: null }))).toBeNull();
  });

  it('claims nothing when it cannot tell (no unshare)', () => {
    expect(sandboxProblem(facts({ userNamespaces: null }))).toBeNull();
  });

  it('lets Electron start with a setuid-root helper where namespaces are restricted', () => {
    expect(sandboxProblem(facts({ helper: { path: HELPER, uid: 0, mode: 0o104755 } }))).toBeNull();
  });

  it('on Ubuntu 23.10+ with the helper as npm left it, names the cause and the exact commands', () => {
    const message = sandboxProblem(facts({}));
    expect(message).toContain('kernel.apparmor_restrict_unprivileged_userns = 1');
    expect(message).toContain(`sudo chown root:root ${HELPER} && sudo chmod 4755 ${HELPER}`);
    expect(message).toContain('npm run serve');
  });

  it('refuses a root-owned helper without the setuid bit, or a setuid helper not owned by root', () => {
    expect(sandboxProblem(facts({ helper: { path: HELPER, uid: 0, mode: 0o100755 } }))).toContain('sudo chmod 4755');
    expect(sandboxProblem(facts({ helper: { path: HELPER, uid: 1000, mode: 0o104755 } }))).toContain('sudo chown root:root');
  });

  it('quotes a helper path with spaces, and says when the helper is missing', () => {
    const spaced = '/home/ana/My Projects/sitevault/node_modules/electron/dist/chrome-sandbox';
    expect(sandboxProblem(facts({ helper: { path: spaced, uid: 1000, mode: 0o100755 }, helperPath: spaced }))).toContain(`sudo chown root:root '${spaced}'`);
    expect(sandboxProblem(facts({ helper: null, apparmorRestricts: false }))).toMatch(/helper is missing[\s\S]*user namespaces are disabled|user namespaces are disabled[\s\S]*helper is missing/);
  });
});
