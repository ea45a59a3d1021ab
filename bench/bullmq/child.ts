/**
 * Workload E in a fresh process: one variant (raw BullMQ or sluice, bulk or round trip) against
 * the bench's Redis or PostgreSQL server; prints one result line. Started by bench/bullmq/run-e.ts.
 *
 *   node bench/bullmq/child.js '<ECase as JSON>'
 *
 * Each variant's module is imported on its own, so a raw run never loads sluice.
 */
import { peakRssMb } from '../lib.js';
import { E_RESULT_PREFIX, type ECase, type EMeasured } from './common.js';

async function main(): Promise<EMeasured> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as ECase;
  switch (cfg.variant) {
    case 'raw-bulk':
      return (await import('./raw.js')).rawBulk(cfg);
    case 'raw-bulk-events':
      return (await import('./raw.js')).rawBulk(cfg, true);
    case 'raw-roundtrip':
      return (await import('./raw.js')).rawRoundTrip(cfg);
    case 'sluice-map':
      return (await import('./sluice.js')).sluiceMap(cfg);
    case 'sluice-roundtrip':
      return (await import('./sluice.js')).sluiceRoundTrip(cfg);
    default:
      throw new Error(`unknown variant ${String(cfg.variant)}`);
  }
}

main().then(
  (measured) => {
    process.stdout.write(`${E_RESULT_PREFIX}${JSON.stringify({ ...measured, peakRssMb: peakRssMb() })}\n`);
    // Do not wait for sockets or timers the clients may have left behind.
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
