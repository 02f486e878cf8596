export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A thin fetch wrapper that keeps status, headers and the raw text for exact assertions. */
/** Where the API listens and, when the service requires one, the key sent as `Authorization: Bearer`. */
export interface ApiTarget {
  url: string;
  apiKey?: string;
}

/** `Authorization: Bearer <key>` for a raw fetch (e.g. a streamed download); no header without a key. */
export function bearer(target: { apiKey?: string }): Record<string, string> {
  return target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {};
}

/** A thin fetch wrapper that keeps status, headers and the raw text for exact assertions. */
export class ApiClient {
  readonly baseUrl: string;
  readonly apiKey: string | undefined;

  /** `apiKey` overrides the target's key; pass `null` to send no Authorization header at all. */
  constructor(target: ApiTarget, apiKey?: string | null) {
    this.baseUrl = target.url;
    this.apiKey = apiKey === null ? undefined : (apiKey ?? target.apiKey);
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const init: RequestInit = { method, headers: { ...bearer(this), ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(this.baseUrl + path, init);
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text && response.headers.get('content-type')?.includes('json')) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }

  /** Waits (long-polling with ?waitSeconds) until a backup or restore reaches a terminal status. */
  async waitFor(path: string, timeoutMs = 90_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await this.get(`${path}?waitSeconds=10`);
      if (body?.status === 'success' || body?.status === 'failed') return body;
      if (Date.now() > deadline) throw new Error(`${path} still ${body?.status} after ${timeoutMs} ms`);
    }
  }

  /** POST /backups, which must be accepted (202), then the backup once finished. */
  async backupAndWait(databaseId: string, timeoutMs?: number): Promise<any> {
    return this.waitForBackup(await this.accepted(this.post('/backups', { databaseId }), 'backupId'), timeoutMs);
  }

  /** POST /backups/:backupId/restore with `body`, which must be accepted (202), then the restore once finished. */
  async restoreAndWait(backupId: string, body: Record<string, unknown>, timeoutMs = 180_000): Promise<any> {
    const restoreId = await this.accepted(this.post(`/backups/${backupId}/restore`, body), 'restoreId');
    return this.waitFor(`/restores/${restoreId}`, timeoutMs);
  }

  private async accepted(request: Promise<ApiResponse>, idField: string): Promise<string> {
    const response = await request;
    if (response.status !== 202) throw new Error(`Expected 202, got ${response.status}: ${response.text}`);
    return response.body[idField];
  }

  waitForBackup(backupId: string, timeoutMs?: number): Promise<any> {
    return this.waitFor(`/backups/${backupId}`, timeoutMs);
  }
}
