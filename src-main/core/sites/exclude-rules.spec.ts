import { describe, expect, it } from 'vitest';
import { compileRules, isExcluded, WORDPRESS_DEFAULT_EXCLUDES } from './exclude-rules';

describe('gitignore-style exclude rules', () => {
  const rules = compileRules(['*.log', '/tmp/', 'node_modules/', 'cache/**/*.html', '!important.log', 'docs/*.pdf']);

  it.each([
    ['error.log', false, true],
    ['deep/in/error.log', false, true],
    ['important.log', false, false],
    ['tmp', true, true],
    ['tmp/x.txt', false, true],
    ['sub/tmp', true, false],
    ['a/node_modules', true, true],
    ['a/node_modules/x/y.js', false, true],
    ['cache/a/b/page.html', false, true],
    ['cache/page.html', false, true],
    ['docs/manual.pdf', false, true],
    ['docs/sub/manual.pdf', false, false],
    ['index.php', false, false],
  ])('%s (dir: %s) excluded: %s', (path, isDir, expected) => {
    expect(isExcluded(rules, path, isDir)).toBe(expected);
  });

  it('excludes WordPress caches and backup folders by default, and only those', () => {
    const wp = compileRules(WORDPRESS_DEFAULT_EXCLUDES.map((e) => e.pattern));
    expect(isExcluded(wp, 'wp-content/cache', true)).toBe(true);
    expect(isExcluded(wp, 'wp-content/updraft/backup.zip', false)).toBe(true);
    expect(isExcluded(wp, 'wp-content/ai1wm-backups', true)).toBe(true);
    expect(isExcluded(wp, 'wp-content/uploads/2024/01/cache', true)).toBe(false);
    expect(isExcluded(wp, 'wp-content/plugins/cache-plugin/cache.php', false)).toBe(false);
    expect(WORDPRESS_DEFAULT_EXCLUDES.every((e) => e.why.length > 0)).toBe(true);
  });
});
