import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export class WebhookTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms`);
    this.name = 'WebhookTimeoutError';
  }
}

export interface PostOptions {
  headers: Record<string, string>;
  /** Resolves the host: the target host policy's, so the connection goes only to a checked address. */
  lookup: LookupFunction;
  /** Until the response status arrives. */
  timeoutMs: number;
}

/**
 * POSTs `body` once and answers the response status. Never follows a redirect (a 3xx is just a status), and reads
 * no more of the response than its status line and headers.
 */
export function postOnce(url: string, body: string, options: PostOptions): Promise<number> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: options.lookup,
        agent: false,
      },
      (response) => {
        clearTimeout(timer);
        resolve(response.statusCode ?? 0);
        response.destroy();
      },
    );
    const timer = setTimeout(() => request.destroy(new WebhookTimeoutError(options.timeoutMs)), options.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}
