/**
 * What the Redis store does to keep a password out of its errors: the URL it names, and causes
 * that quote the password in their message, stack, fields or own causes.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactUrl, scrubCause, urlSecrets } from '../../src/cache/redact.js';

describe('redaction', () => {
  it('replaces the password of a URL, in any form, and nothing else', () => {
    expect(redactUrl('redis://:pw@127.0.0.1:6379/2')).toBe('redis://:***@127.0.0.1:6379/2');
    expect(redactUrl('rediss://user:p%40ss@cache:6380')).toBe('rediss://user:***@cache:6380');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('redis://:pw@127.0.0.1:99999')).toBe('***@127.0.0.1:99999');
    expect(urlSecrets('rediss://user:p%40ss@cache:6380')).toEqual(['p%40ss', 'p@ss']);
    expect(urlSecrets('redis://user:pw@127.0.0.1:99999')).toEqual(['pw', 'pw']);
    expect(urlSecrets('not a url, token@host')).toEqual(['not a url, token', 'not a url, token']);
  });

  it('copies a cause that quotes a password, anywhere, without it; and leaves others alone', () => {
    const secrets = ['s3cret'];
    const urlError = Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input: 'redis://:s3cret@host:99999' });
    const replyError = Object.assign(new Error('WRONGPASS invalid username-password pair'), { command: { name: 'auth', args: ['s3cret'] } });
    const wrapped = new Error('connect failed', { cause: new Error('while sending AUTH s3cret') });
    for (const cause of [urlError, replyError, wrapped]) {
      const copy = scrubCause(cause, secrets);
      expect(inspect(copy, { depth: 10 })).not.toContain('s3cret');
      expect(copy).toMatchObject({ name: cause.name, message: cause.message.replace('s3cret', '***') });
    }
    expect(scrubCause(urlError, secrets)).toMatchObject({ code: 'ERR_INVALID_URL', input: 'redis://:***@host:99999' });
    const harmless = Object.assign(new Error('ECONNREFUSED'), { command: { name: 'get', args: ['k'] } });
    expect(scrubCause(harmless, secrets)).toBe(harmless);
  });
});
