import type { ResultStore } from '../../src/index.js';

/** A store in a Map that answers at once (so runs stay in virtual time), counting its calls: the shape of a user's own store. */
export function mapStore(): ResultStore & { readonly records: Map<string, Uint8Array>; gets: number; sets: number } {
  const records = new Map<string, Uint8Array>();
  const store = {
    records,
    gets: 0,
    sets: 0,
    get: (key: string) => {
      store.gets++;
      return records.get(key);
    },
    set: (key: string, value: Uint8Array) => {
      store.sets++;
      records.set(key, value);
    },
    delete: (key: string) => {
      records.delete(key);
    },
  };
  return store;
}
