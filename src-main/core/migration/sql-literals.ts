/**
 * Rewrites the string literals of a mysqldump stream, in one pass with bounded memory (one
 * literal at a time). Only literals that contain `needle` are decoded, transformed and
 * re-escaped; everything else passes through byte for byte.
 */
const QUOTE = 0x27; // '
const DOUBLE = 0x22; // "
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const DASH = 0x2d;

const UNESCAPES: Readonly<Record<string, string>> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a' };

/** MySQL string-literal escapes back to bytes (binary string in, binary string out). */
export function unescapeSqlString(raw: string, quote: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[++i]!;
      // \% and \_ keep their backslash (MySQL does the same outside LIKE patterns).
      out += next === '%' || next === '_' ? `\\${next}` : (UNESCAPES[next] ?? next);
    } else if (c === quote && raw[i + 1] === quote) {
      out += quote;
      i++;
    } else out += c;
  }
  return out;
}

/** Escapes as mysqldump does (mysql_real_escape_string). */
export function escapeSqlString(value: string): string {
  // eslint-disable-next-line no-control-regex -- NUL and Ctrl-Z are two of the characters MySQL escapes
  return value.replace(/[\0\n\r\\'"\x1a]/g, (c) => ({ '\0': '\\0', '\n': '\\n', '\r': '\\r', '\\': '\\\\', "'": "\\'", '"': '\\"', '\x1a': '\\Z' })[c]!);
}

type State = 'code' | 'literal' | 'escape' | 'quote-seen' | 'identifier' | 'comment';

export class SqlLiteralRewriter {
  #state: State = 'code';
  #quote = QUOTE;
  #lineStart = true;
  #dashes = 0;
  #literal: Buffer[] = [];
  /** Literals that were changed. */
  changed = 0;

  constructor(
    private readonly needle: Buffer,
    private readonly transform: (binary: string) => string,
  ) {}

  /** Feeds one chunk; returns the bytes that are ready. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let passFrom = 0; // start of bytes to pass through as they are (code state)
    const flushCode = (to: number) => {
      if (to > passFrom) out.push(chunk.subarray(passFrom, to));
    };
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      switch (this.#state) {
        case 'code':
          if (byte === QUOTE || byte === DOUBLE) {
            flushCode(i + 1); // the opening quote passes through
            this.#state = 'literal';
            this.#quote = byte;
            this.#literal = [];
            passFrom = i + 1;
          } else if (byte === BACKTICK) this.#state = 'identifier';
          else if (byte === DASH && (this.#lineStart || this.#dashes === 1)) {
            this.#dashes++;
            if (this.#dashes === 2) this.#state = 'comment';
          } else this.#dashes = 0;
          this.#lineStart = byte === NEWLINE || (this.#lineStart && byte === DASH);
          break;
        case 'comment':
          if (byte === NEWLINE) {
            this.#state = 'code';
            this.#lineStart = true;
            this.#dashes = 0;
          }
          break;
        case 'identifier':
          if (byte === BACKTICK) this.#state = 'code';
          break;
        case 'escape':
          this.#state = 'literal';
          break;
        case 'literal':
          if (byte === BACKSLASH) this.#state = 'escape';
          else if (byte === this.#quote) this.#state = 'quote-seen';
          break;
        case 'quote-seen':
          if (byte === this.#quote) {
            this.#state = 'literal'; // a doubled quote inside the literal
          } else {
            // The literal ended at the previous byte (the closing quote).
            this.#literal.push(chunk.subarray(passFrom, i));
            out.push(this.#finishLiteral());
            passFrom = i;
            this.#state = 'code';
            this.#lineStart = false;
            this.#dashes = 0;
            i--; // look at this byte again as code
          }
          break;
      }
    }
    if (this.#state === 'code' || this.#state === 'comment' || this.#state === 'identifier') flushCode(chunk.length);
    else this.#literal.push(Buffer.from(chunk.subarray(passFrom)));
    return out;
  }

  /** The last bytes, after the stream's end. */
  end(): Buffer {
    if (this.#state === 'quote-seen') return this.#finishLiteral();
    if (this.#state === 'literal' || this.#state === 'escape') return Buffer.concat(this.#literal);
    return Buffer.alloc(0);
  }

  /** The collected literal including its closing quote (but not its opening one). */
  #finishLiteral(): Buffer {
    const raw = Buffer.concat(this.#literal);
    this.#literal = [];
    if (raw.indexOf(this.needle) < 0) return raw;
    const quote = String.fromCharCode(this.#quote);
    const body = raw.subarray(0, raw.length - 1).toString('latin1');
    const value = unescapeSqlString(body, quote);
    const rewritten = this.transform(value);
    if (rewritten === value) return raw;
    this.changed++;
    return Buffer.from(`${escapeSqlString(rewritten)}${quote}`, 'latin1');
  }
}

/** Passes a dump through a rewriter. */
export async function* rewriteSqlStream(source: AsyncIterable<Buffer>, rewriter: SqlLiteralRewriter): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const ready = rewriter.push(chunk);
    if (ready.length > 0) yield ready.length === 1 ? ready[0]! : Buffer.concat(ready);
  }
  const last = rewriter.end();
  if (last.length > 0) yield last;
}
