/**
 * The bytes of a cache record: a header that names the serializer, the expiry and a checksum,
 * then the serialized value. A record cut short, written by another serializer or by another
 * program reads as a miss with a reason, never as a value.
 *
 * @module
 * @internal
 */
import { hash } from 'node:crypto';

const MAGIC = 'sluice-result/1\n';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const MAGIC_BYTES = encoder.encode(MAGIC);

/** A record's header. @internal */
export interface RecordHeader {
  readonly serializer: string;
  /** When it was written (ms since the epoch). */
  readonly createdAt: number;
  /** When it stops counting (ms since the epoch), or `null` for never. */
  readonly expiresAt: number | null;
  /** The payload's length and sha256 (hex): a torn or altered record is caught here. */
  readonly size: number;
  readonly sha256: string;
}

/** What reading a record gave. @internal */
export type ReadRecord =
  | { readonly ok: true; readonly header: RecordHeader; readonly payload: Uint8Array }
  | { readonly ok: false; readonly reason: string };

function sha256(bytes: Uint8Array): string {
  // One-shot: a `createHash` object costs about a microsecond more per record, on every hit.
  return hash('sha256', bytes, 'hex');
}

/** The bytes of a record holding `payload`. @internal */
export function encodeRecord(serializer: string, payload: Uint8Array, createdAt: number, expiresAt: number | undefined): Uint8Array {
  const header: RecordHeader = { serializer, createdAt, expiresAt: expiresAt ?? null, size: payload.byteLength, sha256: sha256(payload) };
  const head = encoder.encode(`${JSON.stringify(header)}\n`);
  const out = new Uint8Array(MAGIC_BYTES.byteLength + head.byteLength + payload.byteLength);
  out.set(MAGIC_BYTES, 0);
  out.set(head, MAGIC_BYTES.byteLength);
  out.set(payload, MAGIC_BYTES.byteLength + head.byteLength);
  return out;
}

function isHeader(value: unknown): value is RecordHeader {
  if (typeof value !== 'object' || value === null) return false;
  const h = value as Record<string, unknown>;
  return (
    typeof h.serializer === 'string' &&
    typeof h.createdAt === 'number' &&
    (h.expiresAt === null || typeof h.expiresAt === 'number') &&
    typeof h.size === 'number' &&
    typeof h.sha256 === 'string'
  );
}

/** Reads a record's bytes, checking its format, length and checksum. @internal */
export function decodeRecord(bytes: Uint8Array): ReadRecord {
  if (bytes.byteLength < MAGIC_BYTES.byteLength || MAGIC_BYTES.some((b, i) => bytes[i] !== b)) {
    return { ok: false, reason: 'it is not a sluice result record' };
  }
  const start = MAGIC_BYTES.byteLength;
  const end = bytes.indexOf(0x0a, start);
  if (end < 0) return { ok: false, reason: 'its header is cut short' };
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(bytes.subarray(start, end)));
  } catch {
    return { ok: false, reason: 'its header is not valid JSON' };
  }
  if (!isHeader(header)) return { ok: false, reason: 'its header lacks a field' };
  const payload = bytes.subarray(end + 1);
  if (payload.byteLength !== header.size) return { ok: false, reason: `it is cut short (${payload.byteLength} of ${header.size} bytes)` };
  if (sha256(payload) !== header.sha256) return { ok: false, reason: 'its checksum does not match' };
  return { ok: true, header, payload };
}
