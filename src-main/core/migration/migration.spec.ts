import { describe, expect, it } from 'vitest';
import { replaceSerializedSafe, toBinary, urlReplacements } from './php-serialized';
import { escapeSqlString, rewriteSqlStream, SqlLiteralRewriter, unescapeSqlString } from './sql-literals';

const rules = urlReplacements('https://old.example', 'https://new-staging.example.org/');
const ser = (s: string) => `s:${Buffer.byteLength(s)}:"${s}";`;

describe('serialized-safe replace', () => {
  it('fixes string lengths inside arrays and nested serialized strings', () => {
    const inner = `a:1:{s:3:"url";${ser('https://old.example/a')}}`;
    const value = toBinary(`a:2:{s:4:"home";${ser('https://old.example')}s:5:"child";${ser(inner)}}`);
    const out = Buffer.from(replaceSerializedSafe(value, rules), 'latin1').toString('utf8');
    const innerNew = `a:1:{s:3:"url";${ser('https://new-staging.example.org/a')}}`;
    expect(out).toBe(`a:2:{s:4:"home";${ser('https://new-staging.example.org')}s:5:"child";${ser(innerNew)}}`);
  });

  it('counts bytes, not characters, for multibyte text', () => {
    const value = toBinary(ser('Café → https://old.example/ü'));
    expect(replaceSerializedSafe(value, rules)).toBe(toBinary(ser('Café → https://new-staging.example.org/ü')));
  });

  it('keeps objects, integers, floats, booleans, nulls and references intact', () => {
    const value = toBinary(`O:8:"stdClass":4:{s:1:"a";i:-5;s:1:"b";d:0.5;s:1:"c";b:1;s:1:"u";${ser('https://old.example')}}`);
    expect(replaceSerializedSafe(value, rules)).toBe(toBinary(`O:8:"stdClass":4:{s:1:"a";i:-5;s:1:"b";d:0.5;s:1:"c";b:1;s:1:"u";${ser('https://new-staging.example.org')}}`));
  });

  it('replaces JSON-escaped and URL-encoded forms, and plain text that only looks serialized', () => {
    expect(replaceSerializedSafe('{"u":"https:\\/\\/old.example\\/x"}', rules)).toBe('{"u":"https:\\/\\/new-staging.example.org\\/x"}');
    expect(replaceSerializedSafe('go=https%3A%2F%2Fold.example', rules)).toBe('go=https%3A%2F%2Fnew-staging.example.org');
    expect(replaceSerializedSafe('s:99:"https://old.example";', rules)).toBe('s:99:"https://new-staging.example.org";');
  });
});

describe('SQL literal rewriting', () => {
  it('round-trips MySQL escapes', () => {
    const value = 'it\'s "x"\n\\ \0 \x1a';
    expect(unescapeSqlString(escapeSqlString(value), "'")).toBe(value);
    expect(unescapeSqlString("a''b\\%", "'")).toBe("a'b\\%");
  });

  const dump = [
    "-- MySQL dump; it's a comment with https://old.example",
    "INSERT INTO `wp_options` VALUES (1,'siteurl','https://old.example','yes'),(2,'widget','" +
      escapeSqlString(`a:1:{s:3:"url";${ser("https://old.example/it's")}}`) +
      "','yes'),(3,'x','untouched \\'quote\\'','no');",
    "INSERT INTO `it``s` VALUES ('https://old.example');",
    '',
  ].join('\n');

  async function rewrite(chunks: Buffer[]): Promise<{ text: string; changed: number }> {
    const rewriter = new SqlLiteralRewriter(Buffer.from('old.example'), (v) => replaceSerializedSafe(v, rules));
    async function* source() {
      yield* chunks;
    }
    const out: Buffer[] = [];
    for await (const piece of rewriteSqlStream(source(), rewriter)) out.push(piece);
    return { text: Buffer.concat(out).toString('utf8'), changed: rewriter.changed };
  }

  it('rewrites literals, leaves comments and identifiers alone, and does not depend on chunk boundaries', async () => {
    const whole = await rewrite([Buffer.from(dump)]);
    expect(whole.changed).toBe(3);
    expect(whole.text).toContain("-- MySQL dump; it's a comment with https://old.example");
    expect(whole.text).toContain("(1,'siteurl','https://new-staging.example.org','yes')");
    expect(whole.text).toContain(escapeSqlString(`a:1:{s:3:"url";${ser("https://new-staging.example.org/it's")}}`));
    expect(whole.text).toContain("'untouched \\'quote\\''");
    expect(whole.text).toContain("INSERT INTO `it``s` VALUES ('https://new-staging.example.org');");
    const bytes = Buffer.from(dump);
    const byteByByte = await rewrite([...bytes].map((b) => Buffer.from([b])));
    expect(byteByByte.text).toBe(whole.text);
  });
});
