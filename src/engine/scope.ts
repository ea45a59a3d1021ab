/**
 * Where a task call or a flow call belongs: the run or flow whose code is executing now, found
 * in the one scope storage (by class: another copy of sluice's scope, or a remote run's, is not
 * this engine's).
 *
 * @module
 * @internal
 */
import { rxjs } from '../core/lazy-rxjs.js';
import { scopeStorage } from '../core/scope-storage.js';
import { ConcurrentTaskRunner } from '../runners/concurrent.js';
import { FlowRun, type FlowParent } from './flow-run.js';
import { Run } from './run.js';

let ambient: FlowRun | undefined;

/**
 * Where a `submit`, `map` or direct call belongs: the run whose body is executing (its flow, and
 * it as the parent), or the flow whose body is, or the default flow outside any. Returned as is,
 * not as a `{ flow, parent }` pair: a submit loop would allocate one per call. @internal
 */
export function currentScope(): FlowRun | Run<unknown> {
  const scope = scopeStorage.getStore();
  // By class: another copy of sluice's scope, or a remote run's, is not this engine's.
  if (scope instanceof Run) {
    const run = scope as Run<unknown>;
    if (!run.flow.closed) return run;
  } else if (scope instanceof FlowRun && !scope.closed) {
    return scope;
  }
  // Outside any flow (an extension: Prefect raises here) runs go to a default unbounded runner.
  ambient ??= new FlowRun('(no flow)', new ConcurrentTaskRunner(), rxjs().asyncScheduler, false);
  return ambient;
}

/** The flow of a {@link currentScope}. @internal */
export function flowOf(scope: FlowRun | Run<unknown>): FlowRun {
  return scope.kind === 'run' ? scope.flow : scope;
}

/** The parent run of a {@link currentScope}: the run whose body is executing, if any. @internal */
export function parentOf(scope: FlowRun | Run<unknown>): Run<unknown> | undefined {
  return scope.kind === 'run' ? scope : undefined;
}

/**
 * Where a flow being called now is called from: a flow's function or a task body of this engine,
 * whose flow run has not settled (a subflow), or nowhere (a top-level flow). @internal
 */
export function parentScope(): FlowParent | undefined {
  const scope = scopeStorage.getStore();
  if (scope instanceof Run) {
    const run = scope as Run<unknown>;
    if (!run.flow.closed && run.flow.tracked) return { flow: run.flow, run };
  } else if (scope instanceof FlowRun && !scope.closed && scope.tracked) {
    return { flow: scope, run: undefined };
  }
  return undefined;
}
