/**
 * Writes the API's OpenAPI document (what /docs-json serves) to a file, without PostgreSQL or Redis: the app is
 * created in preview mode, which reads the routes' metadata and instantiates no provider.
 *
 *   node dist/cli/export-openapi.js [output]    (default: web/openapi.json)
 */
import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiModule } from '../api.module.js';
import { ApiFastifyAdapter } from '../core/http/api-fastify-adapter.js';
import { buildOpenApiDocument } from '../core/http/swagger.js';

const DEFAULT_OUTPUT = 'web/openapi.json';

/** The document as committed: two-space JSON with a final newline, so that diffs stay readable. */
async function exportOpenApiDocument(): Promise<string> {
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule, new ApiFastifyAdapter({}), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

const output = process.argv[2] ?? DEFAULT_OUTPUT;
await writeFile(output, await exportOpenApiDocument());
process.stdout.write(`OpenAPI document written to ${output}\n`);
