import { describe, expect, it } from 'vitest';
import { isGroup, parseCommand, type CommandSpec } from '../command';
import { UsageError } from '../usage';
import { siteCommand, tagsFromOptions } from './site';

function subcommand(name: string): CommandSpec {
  const found = siteCommand.subcommands.find((c) => c.name === name);
  if (!found || isGroup(found)) throw new Error(`no ${name}`);
  return found;
}

const URL = ['--url', 'sftp://user@example.com:22/var/www'];

describe('site add and site edit: --tag and --no-tags', () => {
  it('takes --tag again and again, in order, without repeats or blanks', () => {
    const { values } = parseCommand(subcommand('site add'), ['client-a', ...URL, '--tag', 'Acme Ltd', '--tag', ' monthly plan ', '--tag', 'Acme Ltd']);
    expect(values['tag']).toEqual(['Acme Ltd', ' monthly plan ', 'Acme Ltd']);
    expect(tagsFromOptions(values as { tag?: string[] })).toEqual(['Acme Ltd', 'monthly plan']);
  });

  it('on edit, no tag option keeps the saved tags (undefined), --tag replaces them, --no-tags clears them', () => {
    const edit = subcommand('site edit');
    expect(tagsFromOptions(parseCommand(edit, ['client-a']).values as { tag?: string[] })).toBeUndefined();
    expect(tagsFromOptions(parseCommand(edit, ['client-a', '--tag', 'Beta']).values as { tag?: string[] })).toEqual(['Beta']);
    expect(tagsFromOptions(parseCommand(edit, ['client-a', '--no-tags']).values as { 'no-tags'?: boolean })).toEqual([]);
  });

  it('refuses --tag with --no-tags', () => {
    expect(() => tagsFromOptions({ tag: ['a'], 'no-tags': true })).toThrow(new UsageError('Give --tag or --no-tags, not both.'));
  });

  it('refuses a tag with control characters, naming it by its place and not echoing it', () => {
    const error = (() => {
      try {
        tagsFromOptions({ tag: ['fine', 'bad\u001b[2Jtag'] });
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('--tag (the second one): A tag cannot hold control characters.');
    expect(error.message).not.toContain('\u001b');
  });

  it('refuses a tag longer than 40 characters', () => {
    expect(() => tagsFromOptions({ tag: ['x'.repeat(41)] })).toThrow('--tag (the first one): A tag has at most 40 characters.');
    expect(tagsFromOptions({ tag: ['x'.repeat(40)] })).toEqual(['x'.repeat(40)]);
  });

  it('refuses more than 20 tags', () => {
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`);
    expect(() => tagsFromOptions({ tag: many })).toThrow('--tag: A site has at most 20 tags.');
    expect(tagsFromOptions({ tag: many.slice(0, 20) })).toHaveLength(20);
  });

  it('is not an option of site add: --no-tags (nothing to clear)', () => {
    expect(() => parseCommand(subcommand('site add'), ['client-a', ...URL, '--no-tags'])).toThrow(/no-tags/);
  });
});
