import { describe, expect, test } from 'vitest';
import { redactUrl, redactUrlsInText } from '../../src/redact-url.ts';

const SECRET = 's3cr3t-Pa55';

describe('redactUrl', () => {
  test('drops the userinfo of every kind of URL Vigil is given', () => {
    expect(redactUrl(`http://vigil:${SECRET}@prometheus:9090`)).toBe('http://prometheus:9090');
    expect(redactUrl(`https://${SECRET}@prom.example/prometheus/`)).toBe('https://prom.example/prometheus/');
    expect(redactUrl(`mongodb://vigil:${SECRET}@db1:27017,db2:27017/vigil?replicaSet=rs0`)).toBe('mongodb://db1:27017,db2:27017/vigil?replicaSet=rs0');
    expect(redactUrl(`mongodb+srv://vigil:${SECRET}@cluster0.example.net/vigil`)).toBe('mongodb+srv://cluster0.example.net/vigil');
    expect(redactUrl(`tcp://docker:${SECRET}@10.0.0.5:2375`)).toBe('tcp://10.0.0.5:2375');
    expect(redactUrl('unix:///var/run/docker.sock')).toBe('unix:///var/run/docker.sock');
    expect(redactUrl('http://127.0.0.1:9090')).toBe('http://127.0.0.1:9090');
  });

  test('a password with unescaped /, ?, # or @ is cut off whole', () => {
    for (const password of ['ab/cd+ef=', 'p?ss', 'p#ss', 'p@ss', 'a:b:c']) {
      const shown = redactUrl(`http://user:${password}@host:9090/api`);
      expect(shown).toBe('http://host:9090/api');
    }
  });

  test('secret-looking query parameters lose their values; the fragment goes', () => {
    expect(redactUrl(`https://ntfy.example/alerts?auth=${SECRET}&priority=high#${SECRET}`)).toBe('https://ntfy.example/alerts?auth=***&priority=high');
    expect(redactUrl(`mongodb://h/db?authMechanismProperties=AWS_SESSION_TOKEN:${SECRET}&tls=true`)).toBe('mongodb://h/db?authMechanismProperties=***&tls=true');
    expect(redactUrl(`https://x.example/hook?sig=${SECRET}&sv=1.0&api%2Dkey=${SECRET}`)).toBe('https://x.example/hook?sig=***&sv=1.0&api%2Dkey=***');
    expect(redactUrl(`http://h/?password=${SECRET};token=${SECRET}`)).toBe('http://h/?password=***;token=***');
  });

  test('hidePath keeps only where it goes, for webhooks whose path is the secret', () => {
    expect(redactUrl(`https://hooks.slack.com/services/T000/B000/${SECRET}`, { hidePath: true })).toBe('https://hooks.slack.com/***');
    expect(redactUrl(`https://api.telegram.org/bot123:${SECRET}/sendMessage?chat_id=1`, { hidePath: true })).toBe('https://api.telegram.org/***?***');
    expect(redactUrl('https://example.com/', { hidePath: true })).toBe('https://example.com/');
  });

  test('text that is not a URL comes back as it is', () => {
    expect(redactUrl('backend')).toBe('backend');
    expect(redactUrl('127.0.0.1:9090')).toBe('127.0.0.1:9090');
  });
});

describe('redactUrlsInText', () => {
  test('every URL in a message, the sentence around it kept', () => {
    expect(redactUrlsInText(`Prometheus at http://u:${SECRET}@h:9090 cannot be reached (connect ECONNREFUSED).`))
      .toBe('Prometheus at http://h:9090 cannot be reached (connect ECONNREFUSED).');
    expect(redactUrlsInText(`first mongodb://a:${SECRET}@x/db, then "tcp://b:${SECRET}@y:2375".`))
      .toBe('first mongodb://x/db, then "tcp://y:2375".');
    expect(redactUrlsInText('nothing to see')).toBe('nothing to see');
  });
});
