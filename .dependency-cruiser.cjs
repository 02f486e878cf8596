/**
 * The module graph's rules (npm run lint runs them): rooms depend on core, core on no room, and rooms on each other
 * one way only. Specs are left out: a spec may use another room's types or a test helper to build its fixtures.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-room',
      comment: 'core/ holds what every room needs; it must not know any room (entities are listed in src/entities.ts).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'engines-do-not-know-databases',
      comment: 'Engines describe tools and own their names; databases use engines, not the other way round.',
      severity: 'error',
      from: { path: '^src/engines/' },
      to: { path: '^src/databases/' },
    },
    {
      name: 'databases-do-not-know-schedules',
      comment: 'Schedules belong to databases; the schedules room serves what shows both (GET /databases/:id).',
      severity: 'error',
      from: { path: '^src/databases/' },
      to: { path: '^src/schedules/' },
    },
    {
      name: 'no-cycles-between-rooms',
      comment: 'A folder dependency that leaves its room and is part of a cycle means two rooms depend on each other.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/([^/]+)' },
      to: { path: '^src/', pathNot: '^src/$1(/|$)', circular: true },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-does-not-import-test',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'api-never-reaches-processors',
      comment: 'The API (main.ts) only produces jobs: nothing it loads may consume them.',
      severity: 'error',
      from: { path: '^src/main\\.ts$' },
      to: { path: '\\.processor\\.ts$', reachable: true },
    },
  ],
  options: {
    exclude: { path: '\\.spec\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    skipAnalysisNotInRules: true,
  },
};
