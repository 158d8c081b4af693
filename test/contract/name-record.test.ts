import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { nameRecord } from '../../src/contract/name-record.js';

/** Mappings keyed by user-declared names keep every name, `Object.prototype` member names included. */

const TYPES = nameRecord(z.enum(['float64', 'string']));

describe('nameRecord', () => {
  it('keeps __proto__, constructor and toString keys from YAML and JSON, and answers nothing for undeclared ones', () => {
    for (const input of [parse('{ __proto__: float64, constructor: string, toString: float64 }'), JSON.parse('{"__proto__":"float64","constructor":"string","toString":"float64"}')]) {
      const out = TYPES.parse(input);
      expect([...out.entries()]).toEqual([
        ['__proto__', 'float64'],
        ['constructor', 'string'],
        ['toString', 'float64'],
      ]);
    }
    const none = TYPES.parse({});
    expect(none.get('constructor')).toBeUndefined();
    expect(none.has('hasOwnProperty')).toBe(false);
  });

  it('accepts a Map from code, so library callers can declare __proto__ too', () => {
    expect([...TYPES.parse(new Map([['__proto__', 'string']])).entries()]).toEqual([['__proto__', 'string']]);
  });

  it('a bad value is an issue whose path starts with the name, a non-mapping one at the record', () => {
    const bad = TYPES.safeParse(JSON.parse('{"__proto__":"int8"}'));
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0].path).toEqual(['__proto__']);
    expect(bad.error!.issues[0].message).toContain('float64');
    const list = TYPES.safeParse(['a']);
    expect(list.error!.issues[0]).toMatchObject({ path: [], message: expect.stringContaining('received a list') });
  });

  it('latentflow list shows it as the equivalent record', () => {
    const shown = z.toJSONSchema(z.object({ columns: TYPES.optional() }), { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown> };
    const record = z.toJSONSchema(z.object({ columns: z.record(z.string(), z.enum(['float64', 'string'])).optional() }), { io: 'input' }) as { properties: Record<string, unknown> };
    expect(shown.properties.columns).toEqual(record.properties.columns);
  });
});

describe('nameRecord rejects what is not a mapping', () => {
  it('null, a string, a number and a list are invalid_type issues expecting a record, naming what was received', () => {
    for (const [input, received] of [
      [null, 'null'],
      ['float64', 'string'],
      [3, 'number'],
      [['a'], 'a list'],
    ] as const) {
      const result = TYPES.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error!.issues).toHaveLength(1);
      expect(result.error!.issues[0]).toMatchObject({ code: 'invalid_type', expected: 'record', path: [], message: `expected a mapping of names to values, received ${received}` });
    }
  });
});
