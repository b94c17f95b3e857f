// Who may import whom in src/. `npm run lint` runs this; CI fails on any error.
//
// Layers, highest first. A module may import its own layer and any layer BELOW it, never one above:
//
//   root        src/main.ts, src/app.ts    composition: builds everything and wires it together
//   http        src/http/                  the only code that knows about HTTP, statuses and OpenAI envelopes
//   generation  src/generation/            one pipeline from a typed request to a job; raises its own typed errors
//   webhooks    src/webhooks/              reacts to job events after the fact; nothing waits on it
//   api-objects src/api-objects/           the public JSON of jobs, videos and the operator's objects, for HTTP
//                                          answers, webhooks and the CLI's --json
//   jobs        src/jobs/                  the engine: submits, polls, finishes and persists jobs
//   moderation  src/moderation/            checks prompts, references and outputs; used by generation and jobs
//   intent      src/intent/                reads what the user asked for out of a request
//   providers   src/providers/             upstream adapters; see the stricter `providers-stay-low` rule
//   operator    src/accounts/, src/billing/, src/limits/   accounts and keys, prices and the ledger, request counters
//   persistence src/db/, src/storage/      database and media files
//   leaves      src/catalog/, src/net/, src/config/, src/errors/, src/metrics/   static model data, safe
//                                          networking, settings, the typed refusals raised below HTTP,
//                                          the Prometheus series (imports only prom-client)
//
// src/cli/ is a second composition root (the operator's command line): only src/main.ts imports it.
//
// Two deliberate exceptions, both kept narrow:
// - `src/intent/types.ts` and `adjustments.ts` (the shape of a generation request and of the changes
//   made to it) are leaves: providers and everything else read them; they import only catalog types.
// - src/config/ composes every module's settings: it may import a module's `config-*.ts` file and any
//   module's types (type-only); anything may import its types.

/**
 * The layers below http, highest first (root and http have their own rules below, so one bad import is
 * reported once).
 * @type {{ name: string, path: string }[]}
 */
const LAYERS = [
  { name: 'generation', path: '^src/generation/' },
  { name: 'webhooks', path: '^src/webhooks/' },
  { name: 'api-objects', path: '^src/api-objects/' },
  { name: 'jobs', path: '^src/jobs/' },
  { name: 'moderation', path: '^src/moderation/' },
  { name: 'intent', path: '^src/intent/(?!(types|adjustments)\\.ts$)' },
  { name: 'providers', path: '^src/providers/' },
  { name: 'operator', path: '^src/(accounts|billing|limits)/' },
  { name: 'persistence', path: '^src/(db|storage)/' },
];

/** Rules that keep each layer from importing one above it, generated from LAYERS. */
const layerRules = LAYERS.slice(1).map((layer, index) => ({
  name: `layer-${layer.name}`,
  comment:
    `${layer.name} sits below ${LAYERS.slice(0, index + 1)
      .map((above) => above.name)
      .join(', ')}: a lower layer that imports a higher one ties it to its callers ` +
    '(see the layer list at the top of .dependency-cruiser.cjs).',
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(0, index + 1).map((above) => above.path) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'Import cycles, type-only ones included: a type-only cycle becomes a real one (and an ' +
        'undefined-at-load-time bug) the day someone imports a value along it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'http-only-from-http',
      comment:
        'src/http/ is the edge: statuses, envelopes and Fastify stay there. Everything else raises its own ' +
        'typed errors and the HTTP layer translates them. Only the composition root may register routes.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/http/', '^src/(main|app)\\.ts$'] },
      to: { path: '^src/http/' },
    },
    {
      name: 'root-imported-by-nobody',
      comment: 'src/main.ts and src/app.ts wire everything together; a module that imports them imports the world.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/(main|app)\\.ts$' },
    },
    {
      name: 'cli-imported-by-main-only',
      comment: 'src/cli/ is the command line, a composition root of its own: only src/main.ts starts it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '^src/cli/'] },
      to: { path: '^src/cli/' },
    },
    {
      name: 'generation-not-http',
      comment:
        'The generation pipeline serves every entry point (chat, images, videos and those to come), so it ' +
        'cannot depend on any one of them.',
      severity: 'error',
      from: { path: '^src/generation/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'providers-stay-low',
      comment:
        'An adapter knows its upstream and the provider contract, nothing above: it may import ' +
        'src/providers/, src/net/, src/catalog/, src/metrics/, src/intent/types.ts and (see the next rule) config. ' +
        'Anything more and adapters start deciding policy or speaking HTTP to clients.',
      severity: 'error',
      from: { path: '^src/providers/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/providers/',
          '^src/net/',
          '^src/catalog/',
          '^src/metrics/',
          '^src/intent/(types|adjustments)\\.ts$',
          '^src/errors/',
          // reported by their own rules: http-only-from-http and providers-config-types-only
          '^src/http/',
          '^src/config/',
        ],
      },
    },
    {
      name: 'providers-config-types-only',
      comment:
        "Providers may read config types but not load config: src/config/load.ts pulls in every module's " +
        'settings, moderation included. Put shared values such as ConfigError in src/config/errors.ts.',
      severity: 'error',
      from: { path: '^src/providers/' },
      to: { path: '^src/config/', pathNot: '^src/config/errors\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    ...layerRules,
    {
      name: 'leaves-stay-leaves',
      comment:
        'catalog, net, metrics and intent/types are read by everyone, so they import nothing from src/ but each ' +
        'other: one import upwards and half the tree becomes a cycle.',
      severity: 'error',
      from: {
        path: ['^src/catalog/', '^src/net/', '^src/errors/', '^src/metrics/', '^src/intent/(types|adjustments)\\.ts$'],
      },
      to: { path: '^src/', pathNot: ['^src/catalog/', '^src/net/', '^src/intent/(types|adjustments)\\.ts$'] },
    },
    {
      name: 'config-composes-only',
      comment:
        "src/config/ builds the settings of every module from its schema: it may import a module's " +
        "config-*.ts file and types, never a module's behaviour (that would load it just to read settings).",
      severity: 'error',
      from: { path: '^src/config/' },
      to: {
        path: '^src/',
        pathNot: ['^src/config/', '^src/[^/]+/config-[^/]+\\.ts$', '^src/catalog/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'src-not-to-test-or-bench',
      comment: 'Shipped code must not depend on test fakes, helpers or benchmarks (they are not built into dist/).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-orphans',
      comment:
        'A module that imports nothing and nothing imports is dead code or a forgotten wire-up. Exempt: ' +
        'src/main.ts, the vision worker (started by URL from worker-pool.ts), and test, bench and config files.',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '(^|/)[.][^/]+[.](?:js|cjs|mjs|ts|cts|mts|json)$',
          '[.]d[.]ts$',
          '(^|/)tsconfig[.]json$',
          '^src/main\\.ts$',
          '^src/moderation/vision/worker\\.ts$',
          '^(test|bench)/',
          '^vitest\\.config\\.ts$',
        ],
      },
      to: {},
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that resolves to nothing fails at run time; usually a typo or a missing `.js` suffix.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', 'node_modules'] },
    // Type-only imports are real edges for the cycle and layer rules: see `no-circular`.
    tsPreCompilationDeps: true,
    // NodeNext resolution, so `./x.js` specifiers map to `./x.ts`.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.d.ts', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
