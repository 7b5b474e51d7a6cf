import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { handle } from './server';

test('greets the user Authelia names, and answers the health check', async () => {
  const server = createServer(handle).listen(0);
  const { port } = server.address() as AddressInfo;
  try {
    const hello = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'remote-user': 'alice' } });
    assert.equal(await hello.text(), '${{ values.name }}: hello alice\n');
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  } finally {
    server.close();
  }
});
