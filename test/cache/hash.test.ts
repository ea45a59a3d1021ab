import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableHash, UnhashableValueError } from '../../src/cache/hash.js';
import { pinnedValues } from '../fixtures/hash-values.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The hashes of the pinned values. A change here is a change of encoding: it silently invalidates every user's cache. */
const GOLDEN: Record<string, string> = {
  'the number 1': 'ff7e1db9f61abe63c847bc6d7900f8f06941cd500725c7ab190774bd25f88d2c',
  "the string '1'": '6a325101eb73e27e78b69d851dca27d7cb0d4d1a04e0ccfe52a1cbcd9a47d214',
  'the bigint 1n': 'bcd69c142190bda064a11f1b40ff7d100a2b2096258a999d6da2d0fc0b419f5e',
  '[1]': '4f20c0bce2a7cd949d343948bca40a0412891afc45c0478204eba3e5a6f8e29b',
  '{ 0: 1 }': '398825080a1f0078abda59099d9ea03d8b3531f796d871c864539c0074583098',
  null: '1b16b1df538ba12dc3f97edbb85caa7050d46c148134290feba80f8236c83db9',
  undefined: '0bfe935e70c321c7ca3afc75ce0d0ca2f98b5422e008bb31c00c6d7f1f1c0ad6',
  NaN: 'e40479eb8228970d9426152a6e309dfa5fdf56da2e60c98fa077254c1ca644b6',
  'a string with non-ASCII and an astral character': '2bb7f491effb8372fa261c84bc9558593e49753f094df822f0dbcdc63d81259e',
  'a string with a lone surrogate': 'b6f5d53ecb3b8208760a74489dceb2e34d9fccda05fdeebcc5da0b5a8cb49b0b',
  'a nested object': 'ce16330cacd735cc608db12cf52d430923daee117e3a13b2358b2d59dbb7196d',
  'a Map': '9933ec02ac0537e6a71691973d997d46c0111509da2d4ed9165b70fb9217c3fd',
  'a Set': 'b439823130a8b348aa8c49a04c45ff214f0f4a2bea984ee83f789cc8d7dead21',
  'a Date': 'fbeabe3655401f2f880d20e3b54aa8b4166f5886213cc7f4ce3bb1db66ee32b0',
  'a RegExp': '241fd5fa4147900a105c69ba69f165e44d32af2d0d32fd4c323c1e44d519bc58',
  'a URL': '03a20d6c4255a47957fcdfa6493f470b161211622eb404ae9b9347a9fa189abb',
  'a Uint8Array': '8dec3292abccb105819430e839694c3b9ae5c72f2e0880d8a3f3a8312da6a70e',
  'a Float32Array': '198557095687c943bb8b89db023c28cb261094a338cd43487abb2a12c87dcab9',
  'an ArrayBuffer': '111aeecbf3a3c5ce4405deb213ecfccdd72225af9c72596908140df2271d2805',
};

function hashesOf(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, stableHash(value)]));
}

// The bytes the module's documentation gives, built by hand: an oracle for the encoding.
const tag = (letter: string): Buffer => Buffer.from(letter, 'latin1');
function u32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(n);
  return out;
}
function string(text: string): Buffer {
  const utf8 = Buffer.from(text, 'utf8');
  return Buffer.concat([tag('s'), u32(utf8.length), utf8]);
}
function number(n: number): Buffer {
  const out = Buffer.alloc(9);
  out.write('d', 'latin1');
  out.writeDoubleLE(n, 1);
  return out;
}
const array = (items: readonly Buffer[]): Buffer => Buffer.concat([tag('a'), u32(items.length), ...items]);
const sha256 = (encoding: Buffer): string => createHash('sha256').update(encoding).digest('hex');

/** A copy of `value` with every plain object's keys in another order (from `seed`), Maps and Sets kept. */
function shuffled(value: unknown, seed: number): unknown {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const copy = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(copy);
    if (typeof node !== 'object' || node === null) return node;
    const keys = Object.keys(node);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
    }
    const out = {};
    // defineProperty, so that a key named __proto__ stays a key.
    for (const key of keys) Object.defineProperty(out, key, { value: copy((node as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
    return out;
  };
  return copy(value);
}

const leaf = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt());
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('tree'), { maxKeys: 6 })),
}));

/** JSON with every object's keys sorted: two JSON values hold the same data exactly when these agree. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function refusalOf(value: unknown): UnhashableValueError {
  try {
    stableHash(value);
  } catch (error) {
    if (error instanceof UnhashableValueError) return error;
    throw error;
  }
  throw new Error('stableHash hashed a value it should refuse');
}

describe('stableHash', () => {
  it('gives 64 lowercase hex digits', () => {
    expect(stableHash({ a: [1, 'x'] })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order of an object’s keys, at any depth', () => {
    fc.assert(
      fc.property(tree, fc.integer(), (value, seed) => {
        expect(stableHash(shuffled(value, seed))).toBe(stableHash(value));
      }),
      { numRuns: 300 },
    );
  });

  it('hashes two JSON values alike exactly when they hold the same data', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(stableHash(a) === stableHash(b)).toBe(canonicalJson(a) === canonicalJson(b));
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the insertion order of a Map or a Set', () => {
    const entries: [unknown, unknown][] = [
      ['b', 1],
      [2, 'two'],
      [{ k: 1 }, [1]],
      // Two keys that encode alike (different objects, same data) with different values: their order must not count either.
      [{ k: 1 }, [2]],
      [new Set([1, 2]), null],
    ];
    const reversed = [...entries].reverse();
    expect(stableHash(new Map(reversed))).toBe(stableHash(new Map(entries)));
    expect(stableHash(new Set(reversed.flat()))).toBe(stableHash(new Set(entries.flat())));
    expect(stableHash({ m: new Map([[new Set([3, 1]), new Set(['y', 'x'])]]) })).toBe(stableHash({ m: new Map([[new Set([1, 3]), new Set(['x', 'y'])]]) }));
  });

  it.each<[string, unknown, unknown]>([
    ['a property whose value is undefined, and no property', { a: 1, b: undefined }, { a: 1 }],
    ['an object with a null prototype, and a literal', Object.assign(Object.create(null) as object, { a: 1 }), { a: 1 }],
    ['an array hole, and undefined', [, 1], [undefined, 1]], // eslint-disable-line no-sparse-arrays
    ['-0, and 0', -0, 0],
    ['two NaNs with different bits', new Float64Array(new BigUint64Array([0x7ff8_0000_0000_0001n]).buffer)[0], NaN],
    ['two invalid Dates', new Date('not a date'), new Date(NaN)],
    ['a Buffer, and a Uint8Array of the same bytes', Buffer.from([1, 2, 3]), new Uint8Array([1, 2, 3])],
    ['a view of part of a buffer, and an array of those bytes', new Uint8Array([9, 1, 2, 9]).subarray(1, 3), new Uint8Array([1, 2])],
    ['a RegExp, whatever its lastIndex', Object.assign(/a/g, { lastIndex: 3 }), /a/g],
    ['the same object twice, and two copies', ((shared) => [shared, shared])({ x: 1 }), [{ x: 1 }, { x: 1 }]],
  ])('hashes alike %s', (_, a, b) => {
    expect(stableHash(a)).toBe(stableHash(b));
  });

  const bytesOf = (...values: number[]): ArrayBuffer => new Uint8Array(values).buffer;
  it.each<[string, unknown, unknown]>([
    ["'1' and 1", '1', 1],
    ['1 and 1n', 1, 1n],
    ["'1' and 1n", '1', 1n],
    ['1 and [1]', 1, [1]],
    ['[1] and { 0: 1 }', [1], { 0: 1 }],
    ["[1] and ['1']", [1], ['1']],
    ['1n and -1n', 1n, -1n],
    ['null and undefined', null, undefined],
    ['[null] and [undefined]', [null], [undefined]],
    ['[undefined] and []', [undefined], []],
    ['{ a: null } and {}', { a: null }, {}],
    ['true and 1', true, 1],
    ['false and 0', false, 0],
    ["'' and []", '', []],
    ['[] and {}', [], {}],
    ['NaN and Infinity', NaN, Infinity],
    ['Infinity and -Infinity', Infinity, -Infinity],
    ['1 and the next double', 1, 1 + Number.EPSILON],
    ["'u' and undefined", 'u', undefined],
    ["a lone surrogate and U+FFFD, which UTF-8 would turn it into", '\uD800', '\uFFFD'],
    ["['ab', 'c'] and ['a', 'bc']", ['ab', 'c'], ['a', 'bc']],
    ["{ a: 'bc' } and { ab: 'c' }", { a: 'bc' }, { ab: 'c' }],
    ['[[1], [2]] and [[1, 2]]', [[1], [2]], [[1, 2]]],
    ['[[]] and []', [[]], []],
    ['a Date and its time value', new Date(0), 0],
    ['an invalid Date and NaN', new Date(NaN), NaN],
    ['two Dates', new Date(0), new Date(1)],
    ["/a/ and 'a'", /a/, 'a'],
    ['/a/g and /a/i', /a/g, /a/i],
    ['a URL and its href', new URL('https://example.com/'), 'https://example.com/'],
    ['a Map and an object of the same entries', new Map([['a', 1]]), { a: 1 }],
    ['a Map and a Set of its entries', new Map([[1, 2]]), new Set([[1, 2]])],
    ['a Set and an array', new Set([1]), [1]],
    ['a Map with key 1 and one with key "1"', new Map([[1, 'x']]), new Map([['1', 'x']])],
    ['a Float32Array and a Uint8Array of the same bytes', new Float32Array(bytesOf(0, 0, 192, 63)), new Uint8Array(bytesOf(0, 0, 192, 63))],
    ['an Int8Array and a Uint8Array of the same bytes', new Int8Array(bytesOf(1, 2)), new Uint8Array(bytesOf(1, 2))],
    ['an ArrayBuffer and a Uint8Array of its bytes', bytesOf(1, 2), new Uint8Array(bytesOf(1, 2))],
    ['a DataView and a Uint8Array of its bytes', new DataView(bytesOf(1, 2)), new Uint8Array(bytesOf(1, 2))],
    ['a Uint8Array and an array of its numbers', new Uint8Array([1, 2]), [1, 2]],
    ['two Uint8Arrays', new Uint8Array([1, 2]), new Uint8Array([1, 3])],
  ])('hashes apart %s', (_, a, b) => {
    expect(stableHash(a)).not.toBe(stableHash(b));
  });

  it('hashes values as the documented bytes', () => {
    expect(stableHash(1)).toBe(sha256(number(1)));
    expect(stableHash('héllo 🎉')).toBe(sha256(string('héllo 🎉')));
    expect(stableHash(null)).toBe(sha256(tag('n')));
    expect(stableHash([true, false, undefined])).toBe(sha256(array([tag('t'), tag('f'), tag('u')])));
    expect(stableHash(-255n)).toBe(sha256(Buffer.concat([tag('b'), string('-ff')])));
    expect(stableHash({ b: 1, a: 'x', c: undefined })).toBe(sha256(Buffer.concat([tag('{'), string('a'), string('x'), string('b'), number(1), tag('}')])));
    expect(stableHash('a\uD800')).toBe(sha256(Buffer.concat([tag('w'), u32(4), Buffer.from('a\uD800', 'utf16le')])));
    expect(stableHash(new Uint16Array([1, 258]))).toBe(sha256(Buffer.concat([tag('B'), string('Uint16Array'), u32(4), Buffer.from([1, 0, 2, 1])])));
    // Entries in the byte order of their encodings: 'd' (a number key) before 's' (a string key).
    expect(stableHash(new Map<unknown, unknown>([['k', 1], [2, 'v']]))).toBe(
      sha256(Buffer.concat([tag('M'), u32(2), number(2), string('v'), string('k'), number(1)])),
    );
  });

  it('hashes values longer than its buffer as the documented bytes, wherever the chunks split them', () => {
    // Strings of every length from 0 to 60 characters, some not ASCII: the chunk edges fall inside all kinds.
    const texts = Array.from({ length: 6000 }, (_, i) => [...(i % 7 === 0 ? 'é✓🎉' : 'x').repeat(i % 61)].slice(0, i % 61).join(''));
    expect(stableHash(texts)).toBe(sha256(array(texts.map(string))));
    const long = 'héllo '.repeat(40_000);
    expect(stableHash([long, 'after'])).toBe(sha256(array([string(long), string('after')])));
    const blob = new Uint8Array(200_000).map((_, i) => i % 251);
    expect(stableHash(blob)).toBe(sha256(Buffer.concat([tag('B'), string('Uint8Array'), u32(blob.length), blob])));
    // Inside a Map, whose entries are encoded apart to be sorted.
    expect(stableHash(new Map([['texts', texts]]))).toBe(sha256(Buffer.concat([tag('M'), u32(1), string('texts'), array(texts.map(string))])));
  });

  it.each<[string, unknown, readonly (string | number)[], string, string]>([
    ['an instance of a class', [1, { client: new (class HttpClient {})() }], [1, 'client'], 'an instance of class HttpClient', 'at [1].client'],
    ['a function', () => 1, [], 'a function', 'at the value itself'],
    ['a symbol', { id: Symbol('id') }, ['id'], 'a symbol', 'at .id'],
    ['a Promise', { pending: Promise.resolve(1) }, ['pending'], 'a Promise', 'at .pending'],
    ['a WeakMap', { 'a key': [new WeakMap()] }, ['a key', 0], 'a WeakMap', 'at ["a key"][0]'],
    ['a WeakSet', [new WeakSet()], [0], 'a WeakSet', 'at [0]'],
    ['an Error', { cause: new TypeError('no') }, ['cause'], 'an instance of class TypeError', 'at .cause'],
    ['a subclass of a built-in', { m: new (class DefaultMap extends Map {})() }, ['m'], 'an instance of class DefaultMap', 'at .m'],
    ['an object with a prototype of its own', { o: Object.create({ inherited: 1 }) as object }, ['o'], 'an object whose prototype is not Object.prototype', 'at .o'],
    ['a function as a Map value', new Map([['run', () => 1]]), ['run'], 'a function', 'at .get("run")'],
    ['a function as a Map key', new Map([[() => 1, 'run']]), [0], 'a function', 'at .keys()[0]'],
    ['a symbol in a Set', new Set([1, Symbol('s')]), [1], 'a symbol', 'at .values()[1]'],
  ])('refuses %s, naming what and where', (_, value, path, what, where) => {
    const error = refusalOf(value);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('UnhashableValueError');
    expect(error.path).toEqual(path);
    expect(error.what).toBe(what);
    expect(error.message).toContain(`${what} ${where}`);
  });

  it('refuses a cycle, naming where it closes and where it goes back to', () => {
    const loop: { name: string; children: unknown[] } = { name: 'root', children: [] };
    loop.children.push({ parent: loop });
    const error = refusalOf(loop);
    expect(error.what).toBe('a circular reference');
    expect(error.path).toEqual(['children', 0, 'parent']);
    expect(error.message).toContain('a circular reference at .children[0].parent (back to the value itself)');

    const inner: Record<string, unknown> = {};
    inner.self = inner;
    expect(refusalOf({ outer: [inner] }).message).toContain('at .outer[0].self (back to .outer[0])');

    const map = new Map<string, unknown>();
    map.set('me', [map]);
    expect(refusalOf(map).path).toEqual(['me', 0]);
  });

  it('hashes a deep value that shares an object, and refuses a deep cycle', () => {
    const shared = { leaf: true };
    let deep: unknown = shared;
    for (let i = 0; i < 200; i++) deep = { next: deep, shared };
    expect(stableHash(deep)).toMatch(/^[0-9a-f]{64}$/);

    const start: { next?: unknown } = {};
    let end = start;
    for (let i = 0; i < 100; i++) end = end.next = {};
    end.next = start;
    expect(refusalOf(start).path).toHaveLength(101);
  });

  it('hashes the same after a refusal as before it', () => {
    const value = { items: [1, 2, { x: 'y' }], map: new Map([[1, 2]]) };
    const before = stableHash(value);
    refusalOf({ items: [1, new Map([[1, { f: () => 1 }]])] });
    expect(stableHash(value)).toBe(before);
  });

  it('hashes a value whose getter hashes another value', () => {
    const inner = stableHash([1, 2]);
    const value = {
      get key(): string {
        return stableHash([1, 2]);
      },
    };
    expect(stableHash(value)).toBe(stableHash({ key: inner }));
  });

  it('gives the pinned hashes: a change of encoding would silently invalidate every cache', () => {
    expect(hashesOf(pinnedValues())).toEqual(GOLDEN);
  });

  it('gives the same hashes in another process, in another time zone and locale', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/fixtures/hash-values.ts'], {
      cwd: root,
      timeout: 30_000,
      env: { ...process.env, TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' },
    });
    const theirs = JSON.parse(stdout) as Record<string, string>;
    expect(theirs).toEqual(hashesOf(pinnedValues()));
    expect(Object.keys(theirs)).toHaveLength(Object.keys(GOLDEN).length);
  });
});
