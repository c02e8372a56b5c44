/**
 * Search and replace that keeps PHP-serialized data valid. Serialized strings carry their
 * length in bytes (`s:5:"hello";`), so replacing a URL inside one without fixing the length
 * makes `unserialize()` fail and WordPress silently drops the option. Values are handled as
 * "binary strings" (latin1: one character per byte), so lengths are byte lengths.
 */
export interface Replacement {
  from: string;
  to: string;
}

/** The forms a URL takes in a WordPress database: plain, JSON-escaped, and URL-encoded. */
export function urlReplacements(oldUrl: string, newUrl: string): Replacement[] {
  const strip = (url: string) => url.replace(/\/+$/, '');
  const [from, to] = [strip(oldUrl), strip(newUrl)];
  const forms = [
    { from, to },
    { from: from.replace(/\//g, '\\/'), to: to.replace(/\//g, '\\/') },
    { from: encodeURIComponent(from), to: encodeURIComponent(to) },
  ];
  return forms.filter((form, i) => forms.findIndex((f) => f.from === form.from) === i).map((form) => ({ from: toBinary(form.from), to: toBinary(form.to) }));
}

/** UTF-8 text as a binary string (one character per byte). */
export function toBinary(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function replacePlain(value: string, replacements: readonly Replacement[]): string {
  let out = value;
  for (const { from, to } of replacements) if (out.includes(from)) out = out.split(from).join(to);
  return out;
}

class NotSerialized extends Error {}

/** Rewrites one serialized value starting at `pos`; returns the new text and where the value ended. */
function rewriteValue(s: string, pos: number, replacements: readonly Replacement[]): [string, number] {
  const type = s[pos];
  const expect = (text: string, at: number) => {
    if (s.startsWith(text, at)) return at + text.length;
    throw new NotSerialized();
  };
  const number = (at: number, pattern: RegExp): [string, number] => {
    pattern.lastIndex = at;
    const match = pattern.exec(s);
    if (!match || match.index !== at) throw new NotSerialized();
    return [match[0], at + match[0].length];
  };
  switch (type) {
    case 'N':
      return ['N;', expect(';', pos + 1)];
    case 'b':
    case 'i':
    case 'd':
    case 'r':
    case 'R': {
      const [value, end] = number(expect(':', pos + 1), type === 'd' ? /-?(?:INF|NAN|[0-9.]+(?:[eE][+-]?[0-9]+)?)/y : /-?[0-9]+/y);
      return [`${type}:${value};`, expect(';', end)];
    }
    case 's': {
      const [length, afterLength] = number(expect(':', pos + 1), /[0-9]+/y);
      const start = expect(':"', afterLength);
      const end = start + Number(length);
      if (end > s.length) throw new NotSerialized();
      const after = expect('";', end);
      const inner = replaceSerializedSafe(s.slice(start, end), replacements);
      return [`s:${inner.length}:"${inner}";`, after];
    }
    case 'E': {
      // An enum case ("Class:Case"): a name, not data; kept as it is.
      const [length, afterLength] = number(expect(':', pos + 1), /[0-9]+/y);
      const start = expect(':"', afterLength);
      const after = expect('";', start + Number(length));
      return [s.slice(pos, after), after];
    }
    case 'a':
    case 'O': {
      let header: string;
      let at = pos + 1;
      if (type === 'O') {
        const [length, afterLength] = number(expect(':', at), /[0-9]+/y);
        const start = expect(':"', afterLength);
        at = expect('"', start + Number(length));
        header = s.slice(pos, at);
      } else header = 'a';
      const [count, afterCount] = number(expect(':', at), /[0-9]+/y);
      at = expect(':{', afterCount);
      let body = '';
      for (let i = 0; i < Number(count) * 2; i++) {
        const [value, end] = rewriteValue(s, at, replacements);
        body += value;
        at = end;
      }
      return [`${header}:${count}:{${body}}`, expect('}', at)];
    }
    case 'C': {
      // Custom serialization: opaque bytes with their own length, which is fixed after replacing.
      const [length, afterLength] = number(expect(':', pos + 1), /[0-9]+/y);
      const nameEnd = expect('"', expect(':"', afterLength) + Number(length));
      const [size, afterSize] = number(expect(':', nameEnd), /[0-9]+/y);
      const start = expect(':{', afterSize);
      const end = start + Number(size);
      if (end > s.length) throw new NotSerialized();
      const inner = replaceSerializedSafe(s.slice(start, end), replacements);
      return [`${s.slice(pos, nameEnd)}:${inner.length}:{${inner}}`, expect('}', end)];
    }
    default:
      throw new NotSerialized();
  }
}

/**
 * Replaces every `from` with its `to` in a binary string. When the string is PHP-serialized
 * (as a whole), the replacement happens inside its strings and every length is fixed,
 * recursively, since serialized data is often serialized again inside a string.
 */
export function replaceSerializedSafe(value: string, replacements: readonly Replacement[]): string {
  if (!replacements.some(({ from }) => value.includes(from))) return value;
  if (/^[abiOsdNCE]:|^N;/.test(value)) {
    try {
      const [rewritten, end] = rewriteValue(value, 0, replacements);
      if (end === value.length) return rewritten;
    } catch (error) {
      if (!(error instanceof NotSerialized)) throw error;
    }
  }
  return replacePlain(value, replacements);
}
