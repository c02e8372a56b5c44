import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveStaticFile } from './static-files';

let parent: string;
let root: string;
beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'sv-static-'));
  root = join(parent, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<html></html>');
  await writeFile(join(root, 'assets', 'app.js'), 'x');
  await writeFile(join(parent, 'secret.txt'), 'do not serve');
  await mkdir(join(parent, 'renderer-evil'));
  await writeFile(join(parent, 'renderer-evil', 'x.js'), 'no');
});
afterAll(async () => {
  await rm(parent, { recursive: true, force: true });
});

describe('resolveStaticFile', () => {
  it('serves index.html for / and files below the root with their type', async () => {
    expect((await resolveStaticFile(root, '/'))?.contentType).toBe('text/html; charset=utf-8');
    expect((await resolveStaticFile(root, '/assets/app.js'))?.contentType).toBe('text/javascript; charset=utf-8');
  });

  it.each(['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/../renderer-evil/x.js', '/%00', '/%E0%A4%A'])('never leaves the root: %s', async (path) => {
    expect(await resolveStaticFile(root, path)).toBeNull();
  });

  it('does not serve folders or missing files', async () => {
    expect(await resolveStaticFile(root, '/assets')).toBeNull();
    expect(await resolveStaticFile(root, '/nope.js')).toBeNull();
  });
});
