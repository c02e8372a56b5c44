import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('README, "Project layout"', () => {
  it('has a row for every folder of src-main/core, and none for a folder that is gone', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const header = '| Folder | What it holds | May import |';
    expect(readme).toContain(header);
    const table = readme.slice(readme.indexOf(header)).split('\n\n')[0]!;
    const rows = [...table.matchAll(/^\| `([a-z-]+)\/` \|/gm)].map((match) => match[1]);
    const folders = readdirSync(join(root, 'src-main/core'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(rows.sort()).toEqual(folders.sort());
  });
});
