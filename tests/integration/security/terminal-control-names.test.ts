import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../../helpers/cli';

// Review r1, point 5: names come from clients' servers and from repositories. One with an ESC
// sequence (here: retitle the window, then red text) is printed escaped in text output, and
// exactly as it is in --json.
const EVIL = 'evil\x1b]0;pwned\x07\x1b[31mred\x9b1mc1.txt';
const SHOWN = 'evil\\x1b]0;pwned\\x07\\x1b[31mred\\x9b1mc1.txt';
let home: string;
let site: string;
let repo: string;
let first: string;
let second: string;
const env = (): NodeJS.ProcessEnv => ({ ...process.env, SITEVAULT_HOME: home, SITEVAULT_PASSPHRASE: 'terminal passphrase' });
const { sv, json } = cliWith(env);

/** Any C0 control but tab and line feed, DEL, or C1 control. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'sv-terminal-'));
  site = join(home, 'site');
  repo = join(home, 'repo');
  await mkdir(join(site, 'wp-content'), { recursive: true });
  await writeFile(join(site, 'index.php'), '<?php');
  await writeFile(join(site, 'wp-content', EVIL), 'first');
  expect((await sv(['init', '--repo', repo])).code).toBe(0);
  first = (await json(['backup', '--repo', repo, '--source', site, '--site', 'terminal', '--json'])).id;
  await writeFile(join(site, 'wp-content', EVIL), 'second, longer');
  await writeFile(join(site, `${EVIL}.new`), 'added');
  second = (await json(['backup', '--repo', repo, '--source', site, '--site', 'terminal', '--json'])).id;
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('names with terminal controls', () => {
  it('ls prints them escaped, and --json exactly', async () => {
    const listed = await sv(['ls', '--repo', repo, second, '--recursive']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`wp-content/${SHOWN}`);
    expect(listed.stdout).not.toMatch(RAW_CONTROL);
    const rows: Array<{ path: string }> = await json(['ls', '--repo', repo, second, '--recursive', '--json']);
    expect(rows.map((r) => r.path)).toContain(`wp-content/${EVIL}`);
  });

  it('diff prints them escaped, and --json exactly', async () => {
    const diff = await sv(['diff', '--repo', repo, first, second]);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain(`+ ${SHOWN}.new`);
    expect(diff.stdout).toContain(`M wp-content/${SHOWN}`);
    expect(diff.stdout).not.toMatch(RAW_CONTROL);
    expect(await json(['diff', '--repo', repo, first, second, '--json'])).toMatchObject({ added: [`${EVIL}.new`], changed: [`wp-content/${EVIL}`] });
  });

  it('an error naming one (on standard error) is escaped too', async () => {
    const missing = await sv(['ls', '--repo', repo, second, `${EVIL}.gone`]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`${SHOWN}.gone`);
    expect(missing.stderr).not.toMatch(RAW_CONTROL);
  });
});
