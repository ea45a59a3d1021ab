import { handLoop, type Contender } from '../lib.js';

export const contender: Contender = {
  name: 'hand-loop',
  source: 'pulled',
  run: handLoop,
};
