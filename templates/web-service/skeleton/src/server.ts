import { createServer, IncomingMessage, ServerResponse } from 'node:http';

/** The service's pages. Authelia (in front, through Traefik) sends who is signed in. */
export function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  const user = req.headers['remote-user'] ?? 'nobody';
  res
    .writeHead(200, { 'content-type': 'text/plain' })
    .end(`${{ values.name }}: hello ${user}\n`);
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? ${{ values.port }});
  createServer(handle).listen(port, () => console.log(`${{ values.name }} listening on ${port}`));
}
