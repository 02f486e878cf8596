import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const SWAGGER_PATH = 'docs';
/** Swagger name of the bearer scheme (DocumentBuilder.addBearerAuth); routes name it through @RequireScope. */
export const BEARER_SCHEME = 'api-key';

/** The OpenAPI document of the app's routes (also exported to web/openapi.json for the console's types). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Database backup service')
    .setDescription(
      'Register databases, trigger their backups and follow them. Backups run on worker processes; ' +
        'every error body is `{ "error": "..." }`.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (dbb_…), sent as `Authorization: Bearer <key>`.' }, BEARER_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup(SWAGGER_PATH, app, buildOpenApiDocument(app), {
    jsonDocumentUrl: `${SWAGGER_PATH}-json`,
  });
}
