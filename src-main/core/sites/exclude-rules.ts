/**
 * Gitignore-style rules: `name` matches at any depth, `/path` from the root, a trailing `/`
 * only folders, `*` and `?` within a segment, `**` across segments, and `!` re-includes.
 * The last matching rule wins.
 */
interface Rule {
  pattern: string;
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

function globToRegex(glob: string, anchored: boolean): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${anchored ? '^' : '^(?:.*/)?'}${re}(?:/.*)?$`);
}

export function compileRules(patterns: readonly string[]): Rule[] {
  return patterns
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      let pattern = negate ? line.slice(1) : line;
      const dirOnly = pattern.endsWith('/');
      if (dirOnly) pattern = pattern.slice(0, -1);
      const anchored = pattern.startsWith('/') || pattern.includes('/');
      return { pattern: line, negate, dirOnly, regex: globToRegex(pattern.replace(/^\//, ''), anchored) };
    });
}

/** Whether a relative path is excluded. Folders are matched as themselves. */
export function isExcluded(rules: readonly Rule[], path: string, isDir: boolean): boolean {
  let excluded = false;
  for (const rule of rules) {
    if (rule.dirOnly && !isDir && !rule.regex.test(path.slice(0, path.lastIndexOf('/')))) continue;
    if (rule.regex.test(path)) excluded = !rule.negate;
  }
  return excluded;
}

/**
 * Left out of WordPress sites by default, each shown to the user: page caches and other
 * plugins' backup archives (backing up backups multiplies storage for nothing).
 */
export const WORDPRESS_DEFAULT_EXCLUDES: ReadonlyArray<{ pattern: string; why: string }> = [
  { pattern: '/wp-content/cache/', why: 'page cache (rebuilt automatically)' },
  { pattern: '/wp-content/updraft/', why: 'UpdraftPlus backup archives' },
  { pattern: '/wp-content/ai1wm-backups/', why: 'All-in-One WP Migration backups' },
  { pattern: '/wp-content/backups-dup-lite/', why: 'Duplicator backups' },
  { pattern: '/wp-content/backup-db/', why: 'database backup plugin archives' },
  { pattern: '/wp-content/backupwordpress-*/', why: 'BackUpWordPress archives' },
  { pattern: '/wp-content/uploads/backwpup-*/', why: 'BackWPup archives' },
  { pattern: '/wp-content/et-cache/', why: 'Divi cache' },
  { pattern: '/wp-content/litespeed/', why: 'LiteSpeed cache' },
  { pattern: '/wp-content/wflogs/', why: 'Wordfence logs' },
];
