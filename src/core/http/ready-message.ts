import { SWAGGER_PATH } from './swagger.js';

/** A listening address as a person can open it: a wildcard address becomes localhost, IPv6 gets brackets. */
export function browsableHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** The one line a person needs when the API is up: where it is, and where its Swagger UI is. */
export function readyMessage(host: string, port: number): string {
  const base = `http://${browsableHost(host)}:${port}`;
  return `API ready: ${base} (Swagger UI: ${base}/${SWAGGER_PATH})`;
}
