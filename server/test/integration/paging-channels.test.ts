// Paging's channels against real receivers on loopback: the outbound request's guards
// (paging/http.ts), each HTTP channel's request as its service documents it, and e-mail through a
// real SMTP server (Mailpit) read back through its API.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { OutboundFailed, OutboundRefused, postOutbound, RESPONSE_LIMIT_BYTES, type Resolve } from '../../src/paging/http.ts';
import { startReceiver, type Receiver } from '../harness/receiver.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
afterEach(() => {
  receiver.up();
  receiver.reset();
});

describe('postOutbound', () => {
  test('169.254.169.254 is refused before anything is sent, allowPrivate or not, also as IPv4-mapped IPv6', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/', 'http://[fe80::1]/', 'http://0.0.0.0:80/']) {
      for (const allowPrivate of [false, true]) {
        await expect(postOutbound(url, { body: '{}', allowPrivate }), url).rejects.toThrow(OutboundRefused);
      }
    }
    await expect(postOutbound('http://169.254.169.254/latest', { body: '', allowPrivate: true })).rejects.toThrow(/169\.254\.169\.254 is the cloud metadata service/);
  });

  test('a name that resolves to the metadata address (or to any refused address among others) is refused', async () => {
    const asked: string[] = [];
    const dns = (answers: string[]): Resolve => async (hostname) => {
      asked.push(hostname);
      return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    await expect(postOutbound(`${receiver.url.replace('127.0.0.1', 'metadata.attacker.test')}/x`, { body: '', allowPrivate: true, resolve: dns(['169.254.169.254']) }))
      .rejects.toThrow(/metadata\.attacker\.test resolves to 169\.254\.169\.254: the cloud metadata service/);
    await expect(postOutbound('http://mixed.attacker.test/', { body: '', allowPrivate: true, resolve: dns(['127.0.0.1', '::ffff:169.254.169.254']) }))
      .rejects.toThrow(OutboundRefused);
    expect(asked).toEqual(['metadata.attacker.test', 'mixed.attacker.test']);
    expect(receiver.requests).toHaveLength(0);
  });

  test('127.0.0.1 is refused without allowPrivate and reached with it', async () => {
    await expect(postOutbound(`${receiver.url}/hook`, { body: '{"a":1}', allowPrivate: false })).rejects.toThrow(/127\.0\.0\.1 is a loopback address, reachable only with NOTIFY_ALLOW_PRIVATE=true/);
    expect(receiver.requests).toHaveLength(0);
    const answer = await postOutbound(`${receiver.url}/hook?x=1`, { body: '{"a":1}', headers: { 'content-type': 'application/json' }, allowPrivate: true });
    expect(answer).toMatchObject({ status: 200, bodyText: 'ok' });
    expect(receiver.requests).toEqual([expect.objectContaining({ method: 'POST', path: '/hook?x=1', text: '{"a":1}' })]);
  });

  test('the connection goes to the address that was checked: a second DNS answer (rebinding) is never asked for', async () => {
    let calls = 0;
    const rebinding: Resolve = async () => {
      calls += 1;
      return [{ address: calls === 1 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
    };
    const answer = await postOutbound(`http://rebind.attacker.test:${receiver.port}/r`, { body: 'x', allowPrivate: true, resolve: rebinding });
    expect(answer.status).toBe(200);
    expect(calls).toBe(1);
    expect(receiver.requests[0]?.headers.host).toBe(`rebind.attacker.test:${receiver.port}`);
  });

  test('other schemes are refused; redirects are answers, not followed; a large answer is cut at 16 kB', async () => {
    await expect(postOutbound('ftp://127.0.0.1/x', { body: '', allowPrivate: true })).rejects.toThrow(/only http and https/);
    await expect(postOutbound('file:///etc/passwd', { body: '', allowPrivate: true })).rejects.toThrow(OutboundRefused);
    receiver.answer({ status: 302, headers: { location: 'http://169.254.169.254/' } });
    expect(await postOutbound(`${receiver.url}/moved`, { body: '', allowPrivate: true })).toMatchObject({ status: 302 });
    expect(receiver.requests).toHaveLength(1);
    receiver.answer({ status: 200, body: 'y'.repeat(200_000) });
    const big = await postOutbound(`${receiver.url}/big`, { body: '', allowPrivate: true });
    expect(big.bodyText).toHaveLength(RESPONSE_LIMIT_BYTES);
  });

  test('no answer in time, and a receiver that is down, are OutboundFailed', async () => {
    receiver.hang();
    const slow = postOutbound(`${receiver.url}/slow`, { body: '', allowPrivate: true, timeoutMs: 300 });
    await expect(slow).rejects.toThrow(OutboundFailed);
    await expect(slow).rejects.toMatchObject({ timedOut: true });
    receiver.down();
    const down = postOutbound(`${receiver.url}/down`, { body: '', allowPrivate: true });
    await expect(down).rejects.toThrow(OutboundFailed);
    await expect(down).rejects.toMatchObject({ timedOut: false });
    receiver.up();
    const closed = await startReceiver();
    await closed.close();
    await expect(postOutbound(`${closed.url}/gone`, { body: '', allowPrivate: true })).rejects.toThrow(/ECONNREFUSED/);
  });
});
