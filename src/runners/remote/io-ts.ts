/**
 * io-ts for sluice's own wire codecs, loaded as its CommonJS build: Node loads that in about a
 * third of the time of its ESM build (one module per fp-ts file), and every worker thread pays it
 * at start-up. Only sluice's protocol codecs use this copy; a task's own codecs come from the
 * user's `import 'io-ts'`, and the two never mix.
 *
 * @module
 * @internal
 */
import { createRequire } from 'node:module';
import type * as IoTs from 'io-ts';

export const t = createRequire(import.meta.url)('io-ts') as typeof IoTs;
export type { IoTs };
