import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ApiClient = Client<paths>;

/** An answer other than 2xx, with the API's own `error` text. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Dispatched on window when the API answers 401: the key was revoked, or never valid. */
export const UNAUTHORIZED_EVENT = 'dbbackup:unauthorized';

/** A client of the API that served this page, sending the key as a bearer token. */
export function createApiClient(key: string, baseUrl = window.location.origin): ApiClient {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${key}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
      return response;
    },
  });
  return client;
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or an ApiError carrying the API's `{ "error": "..." }` text (or the HTTP status). */
export async function unwrap<T>(pending: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await pending;
  } catch {
    throw new ApiError(0, 'The API cannot be reached');
  }
  if (result.response.ok) return result.data as T;
  throw new ApiError(result.response.status, errorText(result.error, result.response));
}

export function errorText(body: unknown, response: Response): string {
  if (body && typeof body === 'object' && 'error' in body && typeof body.error === 'string') return body.error;
  if (typeof body === 'string' && body) return body;
  return `${response.status} ${response.statusText}`.trim();
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
