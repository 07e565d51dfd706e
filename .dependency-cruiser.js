// Layering (docs/style.md): the domain is pure; libs never reach into apps; apps never into each other,
// except apps/zan, which composes the three apps into one process.

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'libs/domain holds deciders: no Nest, no I/O, no adapters.',
      from: { path: '^libs/domain' },
      to: {
        path: [
          'node_modules/@nestjs',
          'node_modules/(pg|ioredis|kafkajs|@electric-sql|@kurrent|@eventstore)',
          '^libs/(?!domain/|contracts/)',
          '^apps/',
          '^(fs|net|http|https|child_process)$',
        ],
      },
    },
    {
      name: 'domain-streams-are-separate',
      severity: 'error',
      comment:
        'A folder per stream type in libs/domain/src (wallet/, red-packet/, ...): a stream folder imports only its own files, ' +
        'the domain root modules (decider, errors, validation) and @zan/contracts, never another stream folder.',
      from: { path: '^libs/domain/src/(?!testing/|audit/)([^/]+)/' },
      to: { path: '^libs/domain/src/[^/]+/', pathNot: '^libs/domain/src/$1/' },
    },
    {
      name: 'contracts-depend-on-nothing',
      severity: 'error',
      from: { path: '^libs/contracts' },
      to: { path: ['^libs/(?!contracts/)', '^apps/', 'node_modules/@nestjs'] },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'adapters-do-not-know-each-other',
      severity: 'error',
      comment: 'Ports and adapters: the event store, bus and read models are independent; platform chooses among them.',
      from: { path: '^libs/(event-store|messaging|read-models)' },
      to: { path: ['^libs/(?!contracts/|domain/)'], pathNot: ['^libs/$1/'] },
    },
    {
      name: 'stores-are-adapters-too',
      severity: 'error',
      comment:
        "libs/stores holds the api's own durable records (idempotency, timers, rate limits): ports and their SQL, Redis and " +
        "memory adapters. It shares the event store's SQL client (its tables live beside the events) and knows no other lib; platform chooses.",
      from: { path: '^libs/stores' },
      to: { path: ['^libs/(?!stores/|contracts/|event-store/)', 'node_modules/@nestjs/(?!throttler)'] },
    },
    {
      name: 'webhooks-lib-knows-only-its-ports',
      severity: 'error',
      comment:
        'libs/webhooks keeps its state through the SQL seam of the event store (or in Redis), announces through the event store port and makes its bodies with the CloudEvents mapping; it knows no other adapter.',
      from: { path: '^libs/webhooks' },
      to: { path: ['^libs/(?!contracts/|event-store/|messaging/|webhooks/)', 'node_modules/@nestjs'] },
    },
    {
      name: 'apps-are-separate',
      severity: 'error',
      from: { path: '^apps/(api|relay|projector|webhooks|cli)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      scope: 'folder',
      comment: 'One way in, one way out (docs/style.md): no folder imports a sibling that imports it back.',
      from: { path: '^(apps|libs)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(\\.spec\\.ts|\\.int-spec\\.ts)$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
