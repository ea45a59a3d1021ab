/**
 * The source tree's layers, each importing only those below it:
 *
 *   entries (src/*.ts, src/testing/)  re-exports and the command line
 *   api/      what users call: task, flow, future lists, streams, run context
 *   observers/  consumers of a flow's events: progress, recording, timeline, tracing
 *   engine/   runs, flow runs, slots, waiting, upstreams, map planning, run names
 *   runners/  where bodies run: the runner interface, concurrent, remote/ (what the out-of-process
 *             runners share), worker-threads/, bullmq/: no runner imports another
 *   limits/   tag limits, named concurrency and rate limits: their counts and where they are kept
 *   cache/    cache keys, result stores and serializers: what results outlive a flow run in
 *   core/     errors, states, events, the future interface, codecs, scope storage, logger
 *
 * `npm run lint` runs this check (depcruise); type-only imports count too.
 */
const layers = ['core', 'cache', 'limits', 'runners', 'engine', 'observers', 'api'];

/** A rule per layer: it must not import any layer above it. */
const upward = layers.slice(0, -1).map((layer, i) => ({
  name: `${layer}-imports-down-only`,
  comment: `src/${layer}/ may import only ${layers.slice(0, i + 1).join(', ')}: the layers run one way.`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${layers.slice(i + 1).join('|')})/|^src/[^/]+\\.ts$|^src/testing/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import circle makes load order matter: a class can be used before it is defined.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'api-imports-no-entry',
      comment: 'Entries (src/*.ts, src/testing/) only re-export and parse the command line: nothing imports them.',
      severity: 'error',
      from: { path: '^src/(api|observers|engine|runners|limits|cache|core)/' },
      to: { path: '^src/[^/]+\\.ts$|^src/testing/' },
    },
    ...upward,
    {
      name: 'runners-side-by-side',
      comment: 'A runner imports no other runner: what two runners share lives in runners/remote/ (or below).',
      severity: 'error',
      from: { path: '^src/runners/(bullmq|worker-threads|remote)/' },
      to: { path: '^src/runners/(bullmq|worker-threads)/', pathNot: '^src/runners/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
  },
};
