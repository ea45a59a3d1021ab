/**
 * The deterministic hash cache keys are made of: the same value gives the same hash in every
 * process, on every machine, after a restart, on any supported Node.
 *
 * The encoding is a canonical, type-tagged byte string, fed to sha256 in chunks through one
 * reused buffer (faster than building a string for both a few numbers and a thousand small
 * objects, and never holds the whole encoding). Every value's encoding is self-delimiting (a tag,
 * then fixed-width data, a length or a closing tag), so no two different values encode the same
 * (u32: 4 bytes, little-endian):
 *
 * | value | bytes |
 * |---|---|
 * | `undefined`, `null`, `true`, `false` | `u`, `n`, `t`, `f` |
 * | number | `d`, float64 little-endian; every NaN is one NaN, -0 is 0 |
 * | bigint | `b`, its hex digits as a string (`-` first when negative) |
 * | string | `s`, u32 byte length, UTF-8; one with a lone surrogate: `w`, u32 byte length, UTF-16LE |
 * | array | `a`, u32 length, each element (a hole as `undefined`; other properties are not data) |
 * | plain object | `{`, per key in sorted order whose value is not `undefined`: the key as a string, the value; `}` |
 * | Map | `M`, u32 size, its entries (key then value) in the byte order of their encodings |
 * | Set | `S`, u32 size, its elements in the byte order of their encodings |
 * | Date | `D`, its time value as a number's float64 (an invalid Date: NaN) |
 * | RegExp | `R`, source and flags as strings (not `lastIndex`) |
 * | URL | `U`, href as a string |
 * | bytes | `B`, the type's name as a string (a Buffer's is `Uint8Array`), u32 byte length, the bytes (typed arrays' elements little-endian) |
 *
 * Changing any of this changes every hash, and so invalidates every cache a user has: the tests
 * pin golden hashes for that reason.
 *
 * @module
 * @internal
 */
import { isTaskFuture } from '../core/future.js';
import { createHash, hash as sha256Once, type Hash } from 'node:crypto';

/**
 * Thrown by {@link stableHash} for a value it cannot hash: one that is not plain data, so two
 * runs could not tell whether they got the same one.
 *
 * @example
 * ```ts
 * import { stableHash, UnhashableValueError } from 'sluice/internal/cache/hash.js';
 * try {
 *   stableHash([1, { client: new (class HttpClient {})() }]);
 * } catch (error) {
 *   if (error instanceof UnhashableValueError) console.log(error.what, error.path); // an instance of class HttpClient [ 1, 'client' ]
 * }
 * ```
 */
export class UnhashableValueError extends Error {
  /** The way from the value given to the one refused: property names, array indexes, Map keys (or a Map or Set entry's position). */
  readonly path: readonly (string | number)[];
  /** What was refused: 'a function', 'a symbol', 'an instance of class HttpClient', 'a circular reference', 'a Promise', 'a WeakMap'. */
  readonly what: string;

  constructor(what: string, path: readonly (string | number)[], message: string) {
    super(message);
    this.name = new.target.name;
    this.what = what;
    this.path = path;
  }
}

/**
 * The hex sha256 of `value`'s canonical encoding: equal for values that hold the same data
 * whatever their key order or Map and Set insertion order, different for values that differ in
 * data or type (`'1'`, `1`, `1n`, `[1]` and `{ 0: 1 }` all hash apart). Stable across processes,
 * machines, restarts and Node versions.
 *
 * Hashes plain data: primitives, arrays, plain objects (own enumerable string keys, as JSON: a
 * property whose value is `undefined` is absent, symbol keys are ignored), Map, Set, Date,
 * RegExp, URL, ArrayBuffer, SharedArrayBuffer, DataView and typed arrays. A Buffer hashes as the
 * Uint8Array of its bytes: a Buffer becomes a Uint8Array when it crosses to a worker thread, and
 * the same bytes should find the same cache record. Other typed arrays keep their type: a
 * Float32Array and a Uint8Array over the same bytes hash apart.
 *
 * @param value - The value to hash.
 * @returns 64 lowercase hex digits.
 * @throws {@link UnhashableValueError} for a function, a symbol, an instance of a class (Error,
 * a subclass of Map, anything not listed above), a Promise, a WeakMap or WeakSet, or a circular
 * reference (a value shared by two branches is fine).
 *
 * @example
 * ```ts
 * import { stableHash } from 'sluice/internal/cache/hash.js';
 * const a = stableHash({ model: 'small', layers: [64, 32] });
 * const b = stableHash({ layers: [64, 32], model: 'small' });
 * console.log(a === b, a.length); // true 64
 * console.log(stableHash(1) === stableHash('1')); // false
 * ```
 */
export function stableHash(value: unknown): string {
  // One encoder serves every call; a getter or Proxy trap that hashes while we do gets its own.
  const encoder = idle ?? new Encoder();
  idle = undefined;
  try {
    return encoder.hash(value);
  } catch (error) {
    throw error instanceof Refusal ? error.toError() : error;
  } finally {
    encoder.reset();
    idle = encoder;
  }
}

/** Bytes fed to sha256 at once; values that encode in fewer are hashed in one call. */
const CHUNK = 64 * 1024;
/** Views of the encoder's buffer kept per length up to this, so a small value's hash allocates none. */
const VIEWS = 512;
/** Ancestors checked for a cycle by scanning up to this depth, by a Set below it. */
const SCAN_DEPTH = 32;
/** Strings up to this length are copied byte by byte while ASCII: quicker than a call into Buffer for keys. */
const SHORT_STRING = 24;

const T_UNDEFINED = 0x75; // u
const T_NULL = 0x6e; // n
const T_TRUE = 0x74; // t
const T_FALSE = 0x66; // f
const T_NUMBER = 0x64; // d
const T_BIGINT = 0x62; // b
const T_STRING = 0x73; // s
const T_STRING_UTF16 = 0x77; // w
const T_ARRAY = 0x61; // a
const T_OBJECT = 0x7b; // {
const T_OBJECT_END = 0x7d; // }
const T_MAP = 0x4d; // M
const T_SET = 0x53; // S
const T_DATE = 0x44; // D
const T_REGEXP = 0x52; // R
const T_URL = 0x55; // U
const T_BYTES = 0x42; // B

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** String.prototype.isWellFormed is in every Node this library supports (≥ 20), not in the ES2023 lib. */
interface Es2024String {
  isWellFormed(): boolean;
}

type Kind = 'array' | 'map' | 'set' | 'date' | 'regexp' | 'url' | 'bytes';

interface BuiltIn {
  readonly kind: Kind;
  /** For bytes: the type name written, which is the same for a Buffer and a Uint8Array. */
  readonly name: string;
}

/** The built-ins hashed, by their exact prototype: a subclass is a class instance, refused. */
const BUILT_INS = new Map<object, BuiltIn>([
  [Array.prototype, { kind: 'array', name: 'Array' }],
  [Map.prototype, { kind: 'map', name: 'Map' }],
  [Set.prototype, { kind: 'set', name: 'Set' }],
  [Date.prototype, { kind: 'date', name: 'Date' }],
  [RegExp.prototype, { kind: 'regexp', name: 'RegExp' }],
  [URL.prototype, { kind: 'url', name: 'URL' }],
  [ArrayBuffer.prototype, { kind: 'bytes', name: 'ArrayBuffer' }],
  [SharedArrayBuffer.prototype, { kind: 'bytes', name: 'SharedArrayBuffer' }],
  [DataView.prototype, { kind: 'bytes', name: 'DataView' }],
  [Buffer.prototype, { kind: 'bytes', name: 'Uint8Array' }],
]);
for (const name of [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]) {
  // Float16Array exists from Node 24 on: on older Nodes there is no such value to hash.
  const type = (globalThis as Record<string, unknown>)[name];
  if (typeof type === 'function') BUILT_INS.set(type.prototype as object, { kind: 'bytes', name });
}

/** Refused outright, however they are reached: not data, or data nobody can read back. */
const NAMED_REFUSALS: readonly (readonly [abstract new (...args: never[]) => object, string])[] = [
  [Promise, 'a Promise'],
  [WeakMap, 'a WeakMap'],
  [WeakSet, 'a WeakSet'],
  [WeakRef, 'a WeakRef'],
];

/** One step from a container to what it holds, as the error reports it. */
type Step =
  | { readonly kind: 'property'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'map-value'; readonly key: unknown; readonly index: number }
  | { readonly kind: 'map-key'; readonly index: number }
  | { readonly kind: 'set-element'; readonly index: number };

/**
 * What the encoder throws while unwinding: each container on the way out adds its step, so that
 * the walk down keeps no path at all. {@link stableHash} turns it into the error it throws.
 */
class Refusal extends Error {
  readonly steps: Step[] = [];
  /** For a cycle: how many steps lie below the ancestor the cycle returns to, once passed. */
  below: number | undefined;

  constructor(
    readonly what: string,
    readonly target?: object,
  ) {
    super(what);
  }

  /** Adds `step`, taken from `container`, in front of the steps below it. */
  through(step: Step, container: object): this {
    this.steps.unshift(step);
    if (this.target === container && this.below === undefined) this.below = this.steps.length;
    return this;
  }

  toError(): UnhashableValueError {
    const path = this.steps.map(pathKey);
    const where = this.steps.length === 0 ? 'at the value itself' : `at ${render(this.steps)}`;
    let back = '';
    if (this.below !== undefined) {
      const above = this.steps.slice(0, this.steps.length - this.below);
      back = ` (back to ${above.length === 0 ? 'the value itself' : render(above)})`;
    }
    return new UnhashableValueError(
      this.what,
      path,
      `Cannot hash ${this.what} ${where}${back}: only plain data hashes (primitives, arrays, plain objects, Map, Set, Date, RegExp, URL, typed arrays and buffers)`,
    );
  }
}

function pathKey(step: Step): string | number {
  if (step.kind === 'property') return step.key;
  if (step.kind === 'map-value' && (typeof step.key === 'string' || typeof step.key === 'number')) return step.key;
  return step.index;
}

function render(steps: readonly Step[]): string {
  return steps
    .map((step) => {
      switch (step.kind) {
        case 'property':
          return /^[A-Za-z_$][\w$]*$/.test(step.key) ? `.${step.key}` : `[${JSON.stringify(step.key)}]`;
        case 'index':
          return `[${step.index}]`;
        case 'map-value':
          if (typeof step.key === 'string') return `.get(${JSON.stringify(step.key)})`;
          if (typeof step.key === 'number') return `.get(${step.key})`;
          return `.get(<key #${step.index}>)`;
        case 'map-key':
          return `.keys()[${step.index}]`;
        case 'set-element':
          return `.values()[${step.index}]`;
      }
    })
    .join('');
}

function describe(value: object, prototype: object): string {
  // A future the engine did not resolve reaches the key as itself, not as its value.
  if (isTaskFuture(value)) return 'a task future left unresolved (inside quote(...), opaque(...) or a class instance)';
  for (const [type, what] of NAMED_REFUSALS) if (value instanceof type) return what;
  const constructor: unknown = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value;
  if (typeof constructor === 'function' && constructor.prototype === prototype) {
    return constructor.name === '' ? 'an instance of an anonymous class' : `an instance of class ${constructor.name}`;
  }
  return 'an object whose prototype is not Object.prototype';
}

/** Writes encodings into a reused buffer and feeds it to sha256 a chunk at a time. */
class Encoder {
  private readonly main: Buffer = Buffer.allocUnsafeSlow(CHUNK);
  private readonly views: (Buffer | undefined)[] = [];
  /** The buffer written to: `main`, or while a Map's or Set's entries are encoded one by one, a smaller one. */
  private readonly mainData: DataView = new DataView(this.main.buffer, this.main.byteOffset, this.main.byteLength);
  private buf = this.main;
  private data = this.mainData;
  private pos = 0;
  /** Created only for an encoding longer than a chunk. */
  private sha: Hash | undefined;
  /** While encoding one Map or Set entry: where its bytes go instead of the hash. */
  private captured: Buffer[] | undefined;
  /** The containers being encoded, outermost first: meeting one again is a cycle. */
  private readonly ancestors: object[] = [];
  private depth = 0;
  private deep: Set<object> | undefined;

  hash(value: unknown): string {
    this.encode(value);
    if (this.sha === undefined) {
      const length = this.pos;
      if (length > VIEWS) return sha256Once('sha256', this.main.subarray(0, length), 'hex');
      const view = (this.views[length] ??= this.main.subarray(0, length));
      return sha256Once('sha256', view, 'hex');
    }
    this.flush();
    return this.sha.digest('hex');
  }

  reset(): void {
    this.buf = this.main;
    this.data = this.mainData;
    this.pos = 0;
    this.sha = undefined;
    this.captured = undefined;
    this.ancestors.length = 0;
    this.depth = 0;
    this.deep = undefined;
  }

  private encode(value: unknown): void {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'number':
        return this.number(T_NUMBER, value);
      case 'boolean':
        return this.tag(value ? T_TRUE : T_FALSE);
      case 'undefined':
        return this.tag(T_UNDEFINED);
      case 'bigint':
        this.tag(T_BIGINT);
        return this.ascii(value.toString(16));
      case 'symbol':
        throw new Refusal('a symbol');
      case 'function':
        throw new Refusal('a function');
      case 'object':
        if (value === null) return this.tag(T_NULL);
        return this.object(value);
    }
  }

  private object(value: object): void {
    const prototype = Object.getPrototypeOf(value) as object | null;
    if (prototype === Object.prototype || prototype === null) return this.plain(value as Record<string, unknown>);
    const builtIn = BUILT_INS.get(prototype);
    if (builtIn === undefined) throw new Refusal(describe(value, prototype));
    switch (builtIn.kind) {
      case 'array':
        return this.array(value as readonly unknown[]);
      case 'map':
        return this.map(value as ReadonlyMap<unknown, unknown>);
      case 'set':
        return this.set(value as ReadonlySet<unknown>);
      case 'date':
        return this.number(T_DATE, (value as Date).getTime());
      case 'regexp':
        this.tag(T_REGEXP);
        this.string((value as RegExp).source);
        return this.string((value as RegExp).flags);
      case 'url':
        this.tag(T_URL);
        return this.string((value as URL).href);
      case 'bytes':
        return this.bytes(builtIn.name, value as ArrayBufferLike | ArrayBufferView);
    }
  }

  private plain(value: Record<string, unknown>): void {
    this.enter(value);
    const keys = sortKeys(Object.keys(value));
    this.tag(T_OBJECT);
    let i = 0;
    try {
      for (; i < keys.length; i++) {
        const key = keys[i] as string;
        const item = value[key];
        if (item === undefined) continue;
        this.string(key);
        this.encode(item);
      }
    } catch (error) {
      throw error instanceof Refusal ? error.through({ kind: 'property', key: keys[i] as string }, value) : error;
    }
    this.tag(T_OBJECT_END);
    this.leave();
  }

  private array(value: readonly unknown[]): void {
    this.enter(value);
    const length = value.length;
    this.tag(T_ARRAY);
    this.u32(length);
    let i = 0;
    try {
      for (; i < length; i++) this.encode(value[i]);
    } catch (error) {
      throw error instanceof Refusal ? error.through({ kind: 'index', index: i }, value) : error;
    }
    this.leave();
  }

  private map(value: ReadonlyMap<unknown, unknown>): void {
    this.enter(value);
    const entries: Buffer[] = [];
    const saved = this.startCapture(value.size);
    let i = 0;
    for (const [key, item] of value) {
      this.pos = 0;
      this.captured = [];
      try {
        this.encode(key);
      } catch (error) {
        throw error instanceof Refusal ? error.through({ kind: 'map-key', index: i }, value) : error;
      }
      try {
        this.encode(item);
      } catch (error) {
        throw error instanceof Refusal ? error.through({ kind: 'map-value', key, index: i }, value) : error;
      }
      entries.push(this.takeCapture());
      i++;
    }
    this.endCapture(saved);
    this.unordered(T_MAP, entries);
    this.leave();
  }

  private set(value: ReadonlySet<unknown>): void {
    this.enter(value);
    const elements: Buffer[] = [];
    const saved = this.startCapture(value.size);
    let i = 0;
    for (const element of value) {
      this.pos = 0;
      this.captured = [];
      try {
        this.encode(element);
      } catch (error) {
        throw error instanceof Refusal ? error.through({ kind: 'set-element', index: i }, value) : error;
      }
      elements.push(this.takeCapture());
      i++;
    }
    this.endCapture(saved);
    this.unordered(T_SET, elements);
    this.leave();
  }

  /** Writes entries in the byte order of their encodings: insertion order does not count. */
  private unordered(tag: number, entries: Buffer[]): void {
    entries.sort((a, b) => Buffer.compare(a, b));
    this.tag(tag);
    this.u32(entries.length);
    for (const entry of entries) this.raw(entry);
  }

  private startCapture(size: number): { readonly buf: Buffer; readonly pos: number; readonly captured: Buffer[] | undefined } {
    const saved = { buf: this.buf, pos: this.pos, captured: this.captured };
    if (size > 0) this.use(Buffer.allocUnsafe(1024));
    return saved;
  }

  private takeCapture(): Buffer {
    const chunks = this.captured as Buffer[];
    if (chunks.length === 0) return Buffer.from(this.buf.subarray(0, this.pos));
    this.flush();
    return Buffer.concat(chunks);
  }

  private endCapture(saved: { readonly buf: Buffer; readonly pos: number; readonly captured: Buffer[] | undefined }): void {
    this.use(saved.buf);
    this.pos = saved.pos;
    this.captured = saved.captured;
  }

  private use(buf: Buffer): void {
    this.buf = buf;
    this.data = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private bytes(name: string, value: ArrayBufferLike | ArrayBufferView): void {
    let bytes: Uint8Array;
    if (ArrayBuffer.isView(value)) {
      bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      const width = (value as { readonly BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      // Elements are hashed little-endian, so a big-endian machine gets the same hash.
      if (!LITTLE_ENDIAN && width > 1) bytes = swapped(bytes, width);
    } else {
      bytes = new Uint8Array(value);
    }
    this.tag(T_BYTES);
    this.ascii(name);
    this.u32(bytes.byteLength);
    this.raw(bytes);
  }

  private enter(container: object): void {
    const depth = this.depth;
    const ancestors = this.ancestors;
    const scanned = depth < SCAN_DEPTH ? depth : SCAN_DEPTH;
    for (let i = 0; i < scanned; i++) if (ancestors[i] === container) throw new Refusal('a circular reference', container);
    if (depth >= SCAN_DEPTH) {
      this.deep ??= new Set();
      if (this.deep.has(container)) throw new Refusal('a circular reference', container);
      this.deep.add(container);
    }
    ancestors[depth] = container;
    this.depth = depth + 1;
  }

  private leave(): void {
    const depth = --this.depth;
    if (depth >= SCAN_DEPTH) this.deep?.delete(this.ancestors[depth] as object);
    // Keep no user object alive after the call.
    this.ancestors[depth] = undefined as unknown as object;
  }

  private tag(tag: number): void {
    if (this.pos >= this.buf.length) this.flush();
    this.buf[this.pos++] = tag;
  }

  private u32(n: number): void {
    if (this.pos + 4 > this.buf.length) this.flush();
    this.data.setUint32(this.pos, n, true);
    this.pos += 4;
  }

  private number(tag: number, n: number): void {
    if (this.pos + 9 > this.buf.length) this.flush();
    this.buf[this.pos] = tag;
    // One NaN, one zero: NaN's bits and the sign of zero are not data.
    if (n !== n) {
      this.data.setUint32(this.pos + 1, 0, true);
      this.data.setUint32(this.pos + 5, 0x7ff80000, true);
    } else {
      this.data.setFloat64(this.pos + 1, n === 0 ? 0 : n, true);
    }
    this.pos += 9;
  }

  /** A string of ASCII characters only (hex digits, type names), written as a string is. */
  private ascii(text: string): void {
    this.tag(T_STRING);
    this.u32(text.length);
    if (this.pos + text.length > this.buf.length) this.flush();
    if (text.length > this.buf.length) return this.raw(Buffer.from(text, 'latin1'));
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  private string(text: string): void {
    const length = text.length;
    const buf = this.buf;
    // Room for the tag, the length and 3 bytes per UTF-16 unit (UTF-8's worst case).
    if (this.pos + 5 + 3 * length > buf.length) {
      this.flush();
      if (5 + 3 * length > buf.length) return this.longString(text);
    }
    let pos = this.pos;
    const start = pos;
    pos += 5;
    let i = 0;
    if (length <= SHORT_STRING) {
      for (; i < length; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        buf[pos++] = c;
      }
    }
    if (i < length) {
      if (!(text as unknown as Es2024String).isWellFormed()) return this.utf16(text);
      pos += buf.write(i === 0 ? text : text.slice(i), pos, 'utf8');
    }
    buf[start] = T_STRING;
    this.data.setUint32(start + 1, pos - start - 5, true);
    this.pos = pos;
  }

  /** A string longer than the buffer: hashed straight from the string, after its length. */
  private longString(text: string): void {
    if (!(text as unknown as Es2024String).isWellFormed()) return this.utf16(text);
    this.tag(T_STRING);
    this.u32(Buffer.byteLength(text, 'utf8'));
    this.flush();
    if (this.captured === undefined) (this.sha ??= createHash('sha256')).update(text, 'utf8');
    else this.captured.push(Buffer.from(text, 'utf8'));
  }

  /** A string with a lone surrogate, which UTF-8 would turn into U+FFFD: its UTF-16 units as they are. */
  private utf16(text: string): void {
    this.tag(T_STRING_UTF16);
    this.u32(text.length * 2);
    this.raw(Buffer.from(text, 'utf16le'));
  }

  /** Bytes as they are: copied into the buffer when they fit, else passed on whole. */
  private raw(bytes: Uint8Array): void {
    if (this.pos + bytes.byteLength > this.buf.length) {
      this.flush();
      if (bytes.byteLength > this.buf.length) {
        if (this.captured === undefined) (this.sha ??= createHash('sha256')).update(bytes);
        else this.captured.push(Buffer.from(bytes));
        return;
      }
    }
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  /** Passes the bytes written so far on: to the hash, or to the Map or Set entry being encoded. */
  private flush(): void {
    if (this.pos === 0) return;
    const written = this.buf.subarray(0, this.pos);
    if (this.captured === undefined) (this.sha ??= createHash('sha256')).update(written);
    else this.captured.push(Buffer.from(written));
    this.pos = 0;
  }
}

/**
 * Sorts by UTF-16 code units, as `Array.prototype.sort` does strings: by insertion for the few
 * keys of most objects, several times quicker there than the built-in sort's comparator calls.
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const copy = Buffer.from(bytes);
  if (width === 2) copy.swap16();
  else if (width === 4) copy.swap32();
  else copy.swap64();
  return copy;
}

/** The encoder a call takes, made by the first call. */
let idle: Encoder | undefined;
