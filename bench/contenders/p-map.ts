import pMap from 'p-map';
import type { Contender } from '../lib.js';

export const contender: Contender = {
  name: 'p-map',
  source: 'pulled',
  run: (source, fn, concurrency) => pMap(source, fn, { concurrency }),
};
