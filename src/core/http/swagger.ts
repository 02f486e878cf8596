import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const SWAGGER_PATH = 'docs';
/** Swagger name of the bearer scheme (DocumentBuilder.addBearerAuth); routes name it through @RequireScope. */
export const BEARER_SCHEME = 'api-key';

/**
 * The tags in the order a person works, each with its one-line description. Swagger UI lists the sections in the
 * order of the document's `tags`, so this order is what a reader sees.
 */
export const API_TAGS: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'databases', description: 'Register the databases to back up (PostgreSQL, MySQL/MariaDB) and test their connection.' },
  { name: 'overview', description: "Every database's state at a glance: freshness, next run, last drill, warnings, size trend." },
  { name: 'backups', description: 'Trigger a backup, follow it, list, download, verify, restore or delete backups.' },
  { name: 'restores', description: 'Follow, cancel and list restores; drop the previous content a restore set aside.' },
  { name: 'drills', description: 'Restore drills: restore a backup into a scratch database, check it, and drop it.' },
  { name: 'schedules', description: 'Cron schedules that trigger backups of a database.' },
  { name: 'retention', description: 'How many backups of a database to keep; preview and enforce the policy.' },
  { name: 'storage-targets', description: 'Where backup files are stored: local directories or S3 buckets.' },
  { name: 'webhooks', description: 'Signed HTTP notifications when backups and restores finish.' },
  { name: 'api-keys', description: 'API keys and their scopes (read, backup, restore, delete, admin).' },
  { name: 'health', description: 'Liveness and readiness probes (no API key needed).' },
  { name: 'metrics', description: 'Prometheus metrics of backups, restores, schedules and queues.' },
];

const GETTING_STARTED = [
  'Register databases, trigger their backups and follow them. Backups run on worker processes; every error body is',
  '`{ "error": "..." }`.',
  '',
  '### Getting started',
  '1. **Authorize**: the button on the right; paste an API key (`dbb_…`, for instance the `ADMIN_API_KEY` the service',
  '   was started with). It is kept across reloads of this page.',
  '2. **Register a database**: `POST /databases` with its host, port, database, user and password. The answer holds',
  '   its `databaseId`.',
  '3. **Trigger a backup**: `POST /backups`, replacing the example id with that `databaseId`. The answer holds the',
  '   `backupId`.',
  '4. **Follow it**: `GET /backups/{backupId}` with `waitSeconds` (e.g. 30) answers once it has finished;',
  '   `GET /backups` lists them all, newest first.',
  '5. **Download or restore it**: `GET /backups/{backupId}/download`, or `POST /backups/{backupId}/restore`',
  '   into a registered database, then follow it with `GET /restores/{restoreId}`.',
  '',
  'Example values in request bodies that name an id (`REPLACE_WITH_…`) must be replaced by a real id.',
].join('\n');

/** The OpenAPI document's settings: title, guide, bearer scheme and the ordered tags. */
export function swaggerConfig() {
  const builder = new DocumentBuilder()
    .setTitle('Database backup service')
    .setDescription(GETTING_STARTED)
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (dbb_…), sent as `Authorization: Bearer <key>`.' }, BEARER_SCHEME);
  for (const tag of API_TAGS) builder.addTag(tag.name, tag.description);
  return builder.build();
}

/** The OpenAPI document of the app's routes (also exported to web/openapi.json for the console's types). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  // Every route names its tag; a controller without one (restores: its routes sit under two) gets no tag of its name.
  return SwaggerModule.createDocument(app, swaggerConfig(), { autoTagControllers: false });
}

/** Swagger UI at /docs (its assets served by the API itself) and the OpenAPI document at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup(SWAGGER_PATH, app, buildOpenApiDocument(app), {
    jsonDocumentUrl: `${SWAGGER_PATH}-json`,
    customSiteTitle: 'Database backup service — API',
    swaggerOptions: { persistAuthorization: true },
  });
}
