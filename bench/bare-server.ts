/**
 * The ceiling for bench/api.ts: a bare Fastify 5 server in its own process (like the API), without logging, with
 * one route shaped like POST /backups (JSON body parsed, small JSON answer with 202) and a GET route.
 * Prints "listening <port>" once ready.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
app.post('/backups', async (request, reply) => {
  const { databaseId } = request.body as { databaseId?: string };
  return reply.code(202).send({ message: `Backup triggered for database ID ${databaseId}`, backupId: '1', status: 'queued' });
});
app.get('/backups', async () => []);

const port = Number(process.env.PORT ?? 0);
await app.listen({ port, host: '127.0.0.1' });
const address = app.server.address();
console.log(`listening ${typeof address === 'object' && address ? address.port : port}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
