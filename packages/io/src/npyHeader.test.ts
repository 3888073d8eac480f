import { describe, expect, it } from 'vitest';
import { descrToDType, dtypeToDescr, parsePyLiteral } from './npyHeader.js';

describe('parsePyLiteral (the .npy header parser)', () => {
  it('parses the dicts numpy writes, old and new', () => {
    const m = parsePyLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }") as Map<string, unknown>;
    expect(m.get('descr')).toBe('<f4');
    expect(m.get('fortran_order')).toBe(false);
    expect(m.get('shape')).toEqual({ tuple: [3, 4] });
    expect((parsePyLiteral("{'shape': (5,), 'a': True}") as Map<string, unknown>).get('shape')).toEqual({ tuple: [5] });
    expect((parsePyLiteral("{'shape': ()}") as Map<string, unknown>).get('shape')).toEqual({ tuple: [] });
    expect((parsePyLiteral('{"shape": (2L, 3L)}') as Map<string, unknown>).get('shape')).toEqual({ tuple: [2, 3] });
    expect(parsePyLiteral("[('a', '<f4'), ('b', None)]")).toEqual([{ tuple: ['a', '<f4'] }, { tuple: ['b', null] }]);
    expect(parsePyLiteral("'it\\'s'")).toBe("it's");
    expect(parsePyLiteral('(7)')).toBe(7); // parentheses, not a tuple
  });
  it('rejects anything that is not a plain literal', () => {
    for (const bad of [
      "{'a': 1",
      "{'a' 1}",
      "{'a': 1 'b': 2}",
      "{'a': __import__('os')}",
      "{1: 2}",
      "{'a': 1, 'a': 2}",
      "{'a': 1} x",
      "'unterminated",
      '(1, 2',
      '99999999999999999999',
      '((((((((((((((((((((1))))))))))))))))))))',
      '',
    ]) {
      expect(() => parsePyLiteral(bad), bad).toThrow();
    }
  });
  it('maps descr strings both ways', () => {
    expect(descrToDType('<f2')).toEqual({ dtype: 'float16', littleEndian: true, byteOrder: '<' });
    expect(descrToDType('>i8')).toEqual({ dtype: 'int64', littleEndian: false, byteOrder: '>' });
    expect(descrToDType('|b1')?.dtype).toBe('bool');
    expect(descrToDType('|u1')?.byteOrder).toBe('|');
    expect(descrToDType('<c8')).toBeUndefined();
    expect(descrToDType('<U5')).toBeUndefined();
    expect(descrToDType('|f4')).toBeUndefined();
    expect(descrToDType('<M8')).toBeUndefined();
    expect(dtypeToDescr('uint8')).toBe('|u1');
    expect(dtypeToDescr('float64')).toBe('<f8');
  });
});
