import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 connection driven by hand: what fetch cannot send (a malformed URL, headers over the server's
 * limit) and what it cannot time (a second request on a connection whose first one is still running).
 */
export class RawConnection {
  private received = Buffer.alloc(0);
  private closed = false;
  private readonly socket: net.Socket;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => (this.closed = true));
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Waits until `count` complete responses arrived (or the server hung up), and parses them. */
  async responses(count: number, timeoutMs = 30_000): Promise<RawResponse[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseResponses(this.received);
      if (parsed.length >= count || this.closed) return parsed;
      if (Date.now() > deadline) throw new Error(`${parsed.length} of ${count} responses after ${timeoutMs} ms: ${this.received.toString()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Responses with a Content-Length body (every answer of the API but downloads), in order. */
function parseResponses(data: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let offset = 0;
  for (;;) {
    const headerEnd = data.indexOf('\r\n\r\n', offset);
    if (headerEnd < 0) return responses;
    const [statusLine = '', ...lines] = data.subarray(offset, headerEnd).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length'] ?? 0);
    if (data.length < headerEnd + 4 + length) return responses;
    const body = data.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    offset = headerEnd + 4 + length;
  }
}

/** Sends `request` on a fresh connection and answers the one response. */
export async function rawRequest(port: number, request: string): Promise<RawResponse> {
  const connection = new RawConnection(port);
  try {
    connection.send(request);
    const [response] = await connection.responses(1);
    if (!response) throw new Error('no response');
    return response;
  } finally {
    connection.close();
  }
}
