import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJsonText } from '../../src/server/json-config.js';

function errorOf(text: string): JsonSyntaxError {
  try {
    parseJsonText(text, 'cfg.json');
  } catch (e) {
    return e as JsonSyntaxError;
  }
  throw new Error('no error');
}

describe('parseJsonText', () => {
  it('parses what JSON.parse parses', () => {
    const text = '{"method": "lsh", "parameter": {"hash_num": 64}, "a": [1, -2.5e3, true, null, "x\\n\\u00e9"]}';
    expect(parseJsonText(text, 'f')).toEqual(JSON.parse(text));
  });

  it('reports file:line:col and what was wrong', () => {
    const e = errorOf('{\n  "method": "lsh",\n  "parameter": {"hash_num": 64,}\n}');
    expect(e).toBeInstanceOf(JsonSyntaxError);
    expect([e.line, e.col]).toEqual([3, 32]);
    expect(e.message).toBe("syntax error in configuration: cfg.json:3:32: expected a string key, found \"}\"");
  });

  it('rejects empty input, trailing garbage, duplicate keys and bad tokens', () => {
    expect(errorOf('  ').message).toMatch(/cfg.json:1:3: config is empty/);
    expect(errorOf('{} x').message).toMatch(/1:4: unexpected "x" after the end/);
    expect(errorOf('{"a":1,"a":2}').message).toMatch(/1:8: duplicate key "a"/);
    expect(errorOf("{'a':1}").message).toMatch(/1:2: expected a string key/);
    expect(errorOf('{"a": tru}').message).toMatch(/1:7: unexpected "t"/);
    expect(errorOf('{"a": "x').message).toMatch(/1:7: unterminated string/);
  });
});
