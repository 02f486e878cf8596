import { afterEach, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serveConsole } from './console-static.js';

@Module({})
class EmptyModule {}

describe('serveConsole', () => {
  let app: NestFastifyApplication | undefined;
  let root: string | undefined;

  afterEach(async () => {
    await app?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function appServing(files: Record<string, string>): Promise<{ served: boolean; app: NestFastifyApplication }> {
    root = await mkdtemp(path.join(tmpdir(), 'console-static-'));
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), content);
    }
    app = await NestFactory.create<NestFastifyApplication>(EmptyModule, new FastifyAdapter(), { logger: false });
    const served = await serveConsole(app, root);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return { served, app };
  }

  it('serves index.html at / (never cached) and the hashed assets for good; nothing else', async () => {
    const { served, app } = await appServing({ 'index.html': '<!doctype html>', 'assets/index-abc.js': 'export {};' });
    expect(served).toBe(true);
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toBe('<!doctype html>');
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ method: 'GET', url: '/assets/other.js' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/databases' })).statusCode).toBe(404);
  });

  it('without a built console (no index.html), registers nothing and says so', async () => {
    const { served, app } = await appServing({ 'stale.js': 'x' });
    expect(served).toBe(false);
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/stale.js' })).statusCode).toBe(404);
  });
});
