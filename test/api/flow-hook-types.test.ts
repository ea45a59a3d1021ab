import { describe, expectTypeOf, it } from 'vitest';
import * as t from 'io-ts';
import { flow, task, type FlowOptions } from '../../src/index.js';

// These checks run in `npm run typecheck`; at run time the assertions are no-ops.
describe("a flow's onCompletion hooks are typed by what the flow resolves to", () => {
  const double = task('double', (x: number) => 2 * x);

  it('a returned future is its value, and so are futures inside what is returned', () => {
    flow({ name: 'one', onCompletion: (_flowRun, state) => { expectTypeOf(state.value).toEqualTypeOf<number>(); } }, () => double.submit(2));
    flow(
      { name: 'list', onCompletion: [(_flowRun, state) => { expectTypeOf(state.value).toEqualTypeOf<{ doubled: number; plain: string }>(); }] },
      async (x: number) => ({ doubled: await double(x), plain: 'x' }),
    );
    flow({ name: 'nested', onCompletion: (_flowRun, state) => { expectTypeOf(state.value).toEqualTypeOf<{ a: number[] }>(); } }, () => ({ a: [double.submit(1)] }));
  });

  it('with an io-ts params and an annotated function too', () => {
    flow({ name: 'len', params: t.tuple([t.string]), onCompletion: (_flowRun, state) => { expectTypeOf(state.value).toEqualTypeOf<number>(); } }, (s: string) => s.length);
  });

  it('options typed as FlowOptions still fit any flow', () => {
    const options: FlowOptions = { name: 'any', onCompletion: (_flowRun, state) => console.log(state.value) };
    expectTypeOf(flow(options, (x: number) => x)).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(flow({ ...options, name: 'copy' }, () => 'x')).returns.toEqualTypeOf<Promise<string>>();
  });
});
