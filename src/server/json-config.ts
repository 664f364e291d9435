/**
 * Strict JSON parsing that says where it broke (`source:line:col: what`), as jubaconfig and the
 * servers report syntax errors. Node's JSON.parse does not give line and column.
 */
import { JubaError } from '../errors.js';

export class JsonSyntaxError extends JubaError {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`syntax error in configuration: ${source}:${line}:${col}: ${detail}`, {
      code: 'usage',
      hint: 'fix the JSON at that position (strict JSON: double quotes, no trailing commas, no comments)',
    });
    this.name = 'JsonSyntaxError';
  }
}

export function parseJsonText(text: string, source: string): unknown {
  let i = 0;
  const fail = (detail: string, at = i): never => {
    let line = 1;
    let col = 1;
    for (let k = 0; k < at && k < text.length; k++) {
      if (text[k] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
    throw new JsonSyntaxError(source, line, col, detail);
  };
  const found = (): string => (i >= text.length ? 'end of input' : JSON.stringify(text[i]));
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (ch: string): void => {
    if (text[i] !== ch) fail(`expected '${ch}', found ${found()}`);
    i++;
  };

  const str = (): string => {
    const start = i;
    expect('"');
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c < ' ') fail('control character in string');
      if (c === '\\') {
        const e = text[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && map[e] !== undefined) {
          out += map[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('invalid escape sequence');
      } else {
        out += c;
        i++;
      }
    }
  };

  const num = (): number => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) fail(`unexpected ${found()}`);
    i += m![0].length;
    return Number(m![0]);
  };

  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a string key, found ${found()}`);
        const keyAt = i;
        const k = str();
        if (Object.prototype.hasOwnProperty.call(obj, k)) fail(`duplicate key ${JSON.stringify(k)}`, keyAt);
        ws();
        expect(':');
        obj[k] = value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail(`expected ',' or '}', found ${found()}`);
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail(`expected ',' or ']', found ${found()}`);
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return num();
    return fail(`unexpected ${found()}`);
  };

  ws();
  if (i >= text.length) fail('config is empty');
  const v = value();
  ws();
  if (i < text.length) fail(`unexpected ${found()} after the end of the JSON value`);
  return v;
}
