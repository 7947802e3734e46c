// Fuzzing every route that takes a body, and the Alertmanager webhook, on ONE real Vigil (embedded
// store): ≥ 10k generated malformed, oversized and hostile requests (fast-check, fixed seed) →
// every answer is a 4xx in the documented error shape, never a 5xx; the process stays up; and
// nothing is stored (every table of the store file counted before and after).
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';
import { routeKey, stateChangingRoutes } from './security-routes.ts';

const RUNS = 10_500;
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_124);
const CONCURRENCY = 8;
const ADMIN_PASSWORD = 'fuzz-admin-password';
const WEBHOOK_TOKEN = 'fuzz-webhook-token-0123456789';
const API_LIMIT = 256 * 1024;
const WEBHOOK_LIMIT = 1024 * 1024;
const firing = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/alertmanager/am-webhook-firing.json'), 'utf8'));

let vigil: RunningVigil;
let adminToken: string;
let cookie: string;
let csrf: string;
let incidentId: string;

// ---- values that are invalid for a field by construction -------------------------------------

const notAString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
const notABoolean = fc.oneof(fc.integer(), fc.constantFrom('true', 'false', '1', '', 'yes'), fc.constant(null), fc.array(fc.boolean(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const notAVersion = fc.oneof(fc.constantFrom(-1, 1.5, -0.5, 1e300), fc.constantFrom('0', '1', 'latest', ''), fc.constant(null), fc.boolean(), fc.array(fc.nat(), { maxLength: 2 }));
const blank = fc.constantFrom('', ' ', '\t', '\n  ', '\u00a0'.trim());
const longer = (max: number) => fc.integer({ min: max + 1, max: max + 50 }).chain((n) => fc.constantFrom('x', 'é', '\u{1F4A5}', '<', '"').map((c) => c.repeat(n)));
const notOneOf = (allowed: string[]) => fc.oneof(notAString, fc.string({ maxLength: 20 }).filter((s) => !allowed.includes(s)), fc.constantFrom(...allowed.map((a) => a.toUpperCase()), ...allowed.map((a) => ` ${a}`)));
/** Hostile text inside otherwise ordinary values. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('__proto__', 'constructor', '<script>alert(1)</script>', "'; DROP TABLE users; --", '{"$gt": ""}', '../../etc/passwd', '\u0000', '\ud800', '%00', '${7*7}', '\u202e'),
);

interface FieldSpec { valid: fc.Arbitrary<unknown>; invalid: fc.Arbitrary<unknown>; required: boolean }
/** A string field; `trimmed` when the schema trims before checking the length (then blanks are too short). */
const str = (min: number, max: number, invalidExtra: fc.Arbitrary<unknown>[] = [], trimmed = true): FieldSpec => ({
  valid: fc.string({ minLength: Math.max(min, 1), maxLength: Math.min(max, 30) }).map((s) => `v${s}`.slice(0, max)),
  invalid: fc.oneof(notAString, longer(max), ...(min > 0 ? [trimmed ? blank : fc.constant('')] : []), ...invalidExtra),
  required: true,
});
const ROLES = ['viewer', 'responder', 'admin'];
const role: FieldSpec = { valid: fc.constantFrom(...ROLES), invalid: notOneOf(ROLES), required: true };
const bool: FieldSpec = { valid: fc.boolean(), invalid: notABoolean, required: true };
const version: FieldSpec = { valid: fc.nat(5), invalid: notAVersion, required: true };

/** A body of the route's shape with at least one field made invalid (or removed), plus hostile extras. */
function invalidObject(fields: Record<string, FieldSpec>): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(fields);
  return fc.record({
    base: fc.record(Object.fromEntries(names.map((n) => [n, fields[n]!.valid]))),
    broken: fc.subarray(names, { minLength: 1 }),
    how: fc.array(fc.boolean(), { minLength: names.length, maxLength: names.length }),
    bad: fc.record(Object.fromEntries(names.map((n) => [n, fields[n]!.invalid]))),
    extra: fc.dictionary(fc.oneof(hostileText, fc.constantFrom('__proto__', 'constructor', 'prototype', 'isAdmin', 'role')), fc.oneof(hostileText, fc.object({ maxDepth: 2 })), { maxKeys: 4 }),
  }).map(({ base, broken, how, bad, extra }) => {
    const body: Record<string, unknown> = { ...extra };
    for (const n of names) {
      if (!broken.includes(n)) body[n] = base[n];
      // Remove a required field, or put an invalid value in it.
      else if (fields[n]!.required && how[names.indexOf(n)]) delete body[n];
      else Object.defineProperty(body, n, { value: bad[n], enumerable: true, writable: true, configurable: true });
    }
    return body;
  });
}

const alertStatus = ['firing', 'resolved'];
function invalidWebhook(): fc.Arbitrary<unknown> {
  const alert = firing.alerts[0];
  const brokenAlert = fc.oneof(
    notOneOf(alertStatus).map((status) => ({ ...alert, status })),
    fc.constant({ ...alert, labels: { ...alert.labels, alertname: undefined } }),
    fc.dictionary(fc.string(), notAString, { minKeys: 1, maxKeys: 3 }).map((labels) => ({ ...alert, labels: { ...alert.labels, ...labels, alertname: 1 } })),
    fc.oneof(fc.string({ maxLength: 12 }).filter((s) => Number.isNaN(Date.parse(s))), notAString).map((startsAt) => ({ ...alert, startsAt })),
    fc.constantFrom('', 1, null).map((fingerprint) => ({ ...alert, fingerprint })),
    notAString.map((generatorURL) => ({ ...alert, generatorURL: generatorURL ?? 1 })),
    fc.oneof(notAString, fc.constant(undefined)).map((annotations) => ({ ...alert, annotations: annotations === null || typeof annotations !== 'object' ? annotations : [annotations] })),
  );
  return fc.oneof(
    fc.oneof(notAString, fc.constantFrom('3', 4, '4 ', '')).map((v) => ({ ...firing, version: v })),
    fc.oneof(notAString.filter((a) => !Array.isArray(a)), fc.string()).map((alerts) => ({ ...firing, alerts })),
    fc.tuple(fc.nat(3), brokenAlert).map(([i, bad]) => ({ ...firing, alerts: [...Array.from({ length: i }, () => alert), bad] })),
    notOneOf(alertStatus).map((status) => ({ ...firing, status })),
    fc.constantFrom('groupKey', 'receiver', 'externalURL', 'groupLabels', 'commonLabels', 'commonAnnotations', 'alerts', 'status', 'version').map((k) => {
      const copy: Record<string, unknown> = { ...firing };
      delete copy[k];
      return copy;
    }),
    fc.oneof(fc.constantFrom(-1, 1.5, '2'), notAString.filter((v) => typeof v !== 'number' && v !== null)).map((t) => ({ ...firing, truncatedAlerts: t })),
  );
}

// ---- paging's bodies --------------------------------------------------------------------------

const never = (...values: unknown[]) => fc.constantFrom(...values);
const CHANNEL_TYPES = ['webhook', 'slack', 'teams', 'discord', 'mattermost', 'telegram', 'ntfy', 'email'];
const channelFields: Record<string, FieldSpec> = {
  name: str(1, 100),
  type: { valid: fc.constantFrom('webhook', 'slack'), invalid: notOneOf(CHANNEL_TYPES), required: true },
  config: {
    // Valid settings name a closed port: nothing answers, but nothing is refused for its shape either.
    valid: fc.constant({ url: 'http://127.0.0.1:9/hook' }),
    invalid: fc.oneof(never('x', 1, null, true, [], [{ url: 'http://127.0.0.1:9/' }]), never({}, { url: 'ftp://127.0.0.1/x' }, { url: 'javascript:alert(1)' }, { url: 1 })),
    required: true,
  },
};
const policyFields: Record<string, FieldSpec> = {
  name: str(1, 100),
  services: { valid: fc.constant(['*']), invalid: never([], '*', null, 1, [''], [1], ['\u0001x']), required: true },
  // A step that names a channel nobody made is refused too (400 naming it).
  steps: { valid: fc.constant([{ afterSeconds: 0, targets: [{ channelId: 'ch_nobody' }] }]), invalid: never([], null, 'x', [{}], [{ afterSeconds: -1, targets: [{ channelId: 'a' }] }], [{ afterSeconds: 0, targets: [] }]), required: true },
  repeat: { valid: fc.nat(10), invalid: never(-1, 11, 1.5, '2', null, true), required: false },
};
const scheduleFields: Record<string, FieldSpec> = {
  name: str(1, 100),
  timeZone: { valid: fc.constant('UTC'), invalid: never('Mars/Base', '', 1, null, '+01:00', 'Europe/Berlin/x'), required: true },
  rotations: { valid: fc.constant([{ users: ['u_nobody'], handoffAt: '2026-12-07T09:00', shiftHours: 24 }]), invalid: never('x', [{}], null, [{ users: [], handoffAt: 'monday', shiftHours: 0 }]), required: false },
  overrides: { valid: fc.constant([]), invalid: never('x', [{}], null, [{ userId: 'u', start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }]), required: false },
};
const windowFields: Record<string, FieldSpec> = {
  services: { valid: fc.constant(['web']), invalid: never([], 'web', null, [1], ['']), required: true },
  start: { valid: fc.constant('2026-01-01T00:00:00Z'), invalid: never('yesterday', 1, null, '2026-13-01T00:00:00Z'), required: true },
  end: { valid: fc.constant('2026-01-02T00:00:00Z'), invalid: never('tomorrow', 1, null, '2025-01-01T00:00:00Z'), required: true },
  reason: { valid: fc.constant('drill'), invalid: fc.oneof(longer(500), never(1, true, [])), required: false },
};
const contactFields: Record<string, FieldSpec> = {
  email: { valid: fc.constant('a@example.com'), invalid: never('not-an-email', 5, true, 'a@', '<a@b.c>'), required: false },
  ntfyTopic: { valid: fc.constant('vigil-me'), invalid: never('has space', 'x'.repeat(65), 5, 'a/b'), required: false },
  telegramChatId: { valid: fc.constant('123456'), invalid: never('abc', 1.5, true, '12 34'), required: false },
  slackMemberId: { valid: fc.constant('U012AB3CD'), invalid: never('alice', 'u012', 5, '@U012AB3CD'), required: false },
};

// ---- the routes ---------------------------------------------------------------------------------

interface Target {
  method: string;
  /** As declared (for the coverage check). */
  declared: string;
  path: fc.Arbitrary<string>;
  /** An invalid body by construction; undefined = the route takes none (any body is ignored). */
  body?: fc.Arbitrary<unknown>;
  auth: 'api' | 'webhook' | 'none';
  limit: number;
}

/** Lone surrogates replaced, as String.prototype.toWellFormed does (encodeURIComponent throws on them). */
const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** Ids that name nothing: the route answers 404 whatever the body. */
const unknownId = fc.oneof(fc.uuid(), hostileText.filter((s) => s !== '').map((s) => encodeURIComponent(wellFormed(s))), fc.constantFrom('..', '%2e%2e', 'null', 'undefined', '0', '-1', 'a'.repeat(300)));
const someIncident = () => fc.oneof(fc.constant(incidentId), unknownId);

function targets(): Target[] {
  const p = (s: string) => fc.constant(s);
  return [
    { method: 'POST', declared: '/api/auth/login', path: p('/api/auth/login'), body: invalidObject({ username: str(1, 64), password: str(1, 1024, [], false) }), auth: 'none', limit: API_LIMIT },
    { method: 'POST', declared: '/api/auth/logout', path: p('/api/auth/logout'), auth: 'none', limit: API_LIMIT },
    { method: 'POST', declared: '/api/auth/logout-all', path: p('/api/auth/logout-all'), auth: 'none', limit: API_LIMIT },
    {
      method: 'POST', declared: '/api/users', path: p('/api/users'), auth: 'api', limit: API_LIMIT,
      body: invalidObject({ username: str(2, 64, [fc.constantFrom('a b', 'x/y', 'ü-ber', '<b>', 'a')]), password: str(10, 1024, [fc.string({ maxLength: 9 })]), role }),
    },
    { method: 'DELETE', declared: '/api/users/:id/sessions', path: unknownId.map((id) => `/api/users/${id}/sessions`), auth: 'api', limit: API_LIMIT },
    { method: 'POST', declared: '/api/users/:id/unlock', path: unknownId.map((id) => `/api/users/${id}/unlock`), auth: 'api', limit: API_LIMIT },
    {
      method: 'POST', declared: '/api/tokens', path: p('/api/tokens'), auth: 'api', limit: API_LIMIT,
      body: invalidObject({
        name: str(1, 100), role,
        expiresInDays: { valid: fc.integer({ min: 1, max: 365 }), invalid: fc.oneof(fc.integer({ min: 366 }), fc.integer({ max: 0 }), fc.constant(1.5), notAString.filter((v) => typeof v !== 'number' && v !== undefined)), required: false },
      }),
    },
    { method: 'POST', declared: '/api/users/:id/disable', path: unknownId.map((id) => `/api/users/${id}/disable`), auth: 'api', limit: API_LIMIT },
    { method: 'POST', declared: '/api/users/:id/enable', path: unknownId.map((id) => `/api/users/${id}/enable`), auth: 'api', limit: API_LIMIT },
    { method: 'DELETE', declared: '/api/users/:id', path: unknownId.map((id) => `/api/users/${id}`), auth: 'api', limit: API_LIMIT },
    {
      method: 'POST', declared: '/api/users/:id/password', path: unknownId.map((id) => `/api/users/${id}/password`), auth: 'api', limit: API_LIMIT,
      body: invalidObject({ password: str(10, 1024, [fc.string({ maxLength: 9 })]) }),
    },
    {
      method: 'POST', declared: '/api/auth/password', path: p('/api/auth/password'), auth: 'api', limit: API_LIMIT,
      body: invalidObject({ currentPassword: str(1, 1024, [], false), newPassword: str(10, 1024, [fc.string({ maxLength: 9 })]) }),
    },
    { method: 'DELETE', declared: '/api/tokens/:id', path: unknownId.map((id) => `/api/tokens/${id}`), auth: 'api', limit: API_LIMIT },
    { method: 'POST', declared: '/api/incidents/:id/notes', path: someIncident().map((id) => `/api/incidents/${id}/notes`), body: invalidObject({ text: str(1, 10_000) }), auth: 'api', limit: API_LIMIT },
    { method: 'POST', declared: '/api/incidents/:id/acknowledge', path: unknownId.map((id) => `/api/incidents/${id}/acknowledge`), auth: 'api', limit: API_LIMIT },
    { method: 'POST', declared: '/api/incidents/:id/resolve', path: someIncident().map((id) => `/api/incidents/${id}/resolve`), body: invalidObject({ reason: str(1, 2_000) }), auth: 'api', limit: API_LIMIT },
    {
      method: 'PUT', declared: '/api/incidents/:id/postmortem', path: someIncident().map((id) => `/api/incidents/${id}/postmortem`), auth: 'api', limit: API_LIMIT,
      body: invalidObject({ markdown: { valid: fc.string({ maxLength: 50 }), invalid: notAString, required: true }, version }),
    },
    {
      method: 'PATCH', declared: '/api/incidents/:id/postmortem/action-items/:index',
      path: fc.tuple(someIncident(), fc.oneof(fc.nat(5).map(String), unknownId)).map(([id, i]) => `/api/incidents/${id}/postmortem/action-items/${i}`),
      body: invalidObject({ done: bool, version }), auth: 'api', limit: API_LIMIT,
    },
    { method: 'POST', declared: '/api/containers/:id/restart', path: unknownId.map((id) => `/api/containers/${id}/restart`), auth: 'api', limit: API_LIMIT },
    // No change is stored here: a well-formed id is 404, anything else 400.
    {
      method: 'POST', declared: '/api/changes/:id/rollback', path: fc.oneof(unknownId, fc.constant(`chg_${'0'.repeat(24)}`)).map((id) => `/api/changes/${id}/rollback`),
      auth: 'api', limit: API_LIMIT,
    },
    {
      method: 'POST', declared: '/api/containers/:id/supervision', path: unknownId.map((id) => `/api/containers/${id}/supervision`), auth: 'api', limit: API_LIMIT,
      body: invalidObject({ paused: bool, scope: { valid: fc.constantFrom('container', 'service'), invalid: notOneOf(['container', 'service']).filter((v) => v !== undefined), required: false } }),
    },
    // No Docker endpoint here is a Swarm manager: a well-formed request is refused (409) as well.
    {
      method: 'POST', declared: '/api/swarm/services/:name/force-update', path: unknownId.map((id) => `/api/swarm/services/${id}/force-update`), auth: 'api', limit: API_LIMIT,
      body: invalidObject({ host: { ...str(1, 300, [], false), required: false } }),
    },
    { method: 'POST', declared: '/api/webhooks/alertmanager', path: p('/api/webhooks/alertmanager'), body: invalidWebhook(), auth: 'webhook', limit: WEBHOOK_LIMIT },
    // Paging (the ids name nothing; every body is invalid in at least one field).
    { method: 'POST', declared: '/api/notification-channels', path: p('/api/notification-channels'), body: invalidObject(channelFields), auth: 'api', limit: API_LIMIT },
    { method: 'PATCH', declared: '/api/notification-channels/:id', path: unknownId.map((id) => `/api/notification-channels/${id}`), body: invalidObject(channelFields), auth: 'api', limit: API_LIMIT },
    { method: 'DELETE', declared: '/api/notification-channels/:id', path: unknownId.map((id) => `/api/notification-channels/${id}`), auth: 'api', limit: API_LIMIT },
    { method: 'POST', declared: '/api/notification-channels/:id/test', path: unknownId.map((id) => `/api/notification-channels/${id}/test`), auth: 'api', limit: API_LIMIT },
    { method: 'POST', declared: '/api/escalation-policies', path: p('/api/escalation-policies'), body: invalidObject(policyFields), auth: 'api', limit: API_LIMIT },
    { method: 'PUT', declared: '/api/escalation-policies/:id', path: unknownId.map((id) => `/api/escalation-policies/${id}`), body: invalidObject(policyFields), auth: 'api', limit: API_LIMIT },
    { method: 'DELETE', declared: '/api/escalation-policies/:id', path: unknownId.map((id) => `/api/escalation-policies/${id}`), auth: 'api', limit: API_LIMIT },
    { method: 'POST', declared: '/api/schedules', path: p('/api/schedules'), body: invalidObject(scheduleFields), auth: 'api', limit: API_LIMIT },
    { method: 'PUT', declared: '/api/schedules/:id', path: unknownId.map((id) => `/api/schedules/${id}`), body: invalidObject(scheduleFields), auth: 'api', limit: API_LIMIT },
    { method: 'DELETE', declared: '/api/schedules/:id', path: unknownId.map((id) => `/api/schedules/${id}`), auth: 'api', limit: API_LIMIT },
    { method: 'POST', declared: '/api/maintenance-windows', path: p('/api/maintenance-windows'), body: invalidObject(windowFields), auth: 'api', limit: API_LIMIT },
    { method: 'DELETE', declared: '/api/maintenance-windows/:id', path: unknownId.map((id) => `/api/maintenance-windows/${id}`), auth: 'api', limit: API_LIMIT },
    { method: 'PUT', declared: '/api/me/contacts', path: p('/api/me/contacts'), body: invalidObject(contactFields), auth: 'api', limit: API_LIMIT },
    // The admin has no contact method: 400 no_contact_methods (a token: 400 not_a_person).
    { method: 'POST', declared: '/api/me/page-test', path: p('/api/me/page-test'), auth: 'api', limit: API_LIMIT },
    {
      method: 'PUT', declared: '/api/silence-settings', path: p('/api/silence-settings'), auth: 'api', limit: API_LIMIT,
      body: invalidObject({ maxDurationSeconds: {
        valid: fc.integer({ min: 300, max: 604_800 }),
        invalid: fc.oneof(fc.constantFrom(0, 299, 604_801, 300.5, -1, 1e300, '3600', null, true), fc.array(fc.nat(), { maxLength: 2 })),
        required: true,
      } }),
    },
    { method: 'POST', declared: '/api/ack/:token', path: unknownId.map((t) => `/api/ack/${t}`), auth: 'none', limit: API_LIMIT },
  ];
}

// ---- whole requests -----------------------------------------------------------------------------

interface Case { method: string; path: string; headers: Record<string, string>; body?: string | Buffer; kind: string }

function textOf(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function requestCase(t: Target): fc.Arbitrary<Case> {
  const anyBody = t.body ?? fc.oneof(fc.object({ maxDepth: 2 }), fc.constant({ paused: false, text: 'ok', version: 0 }));
  const authHeaders = fc.constantFrom<'right' | 'none' | 'cookie-no-csrf' | 'cookie'>('right', 'right', 'right', 'cookie', 'none', 'cookie-no-csrf');
  const shape = fc.oneof(
    { weight: 40, arbitrary: anyBody.map((b) => ({ kind: 'invalid-fields', text: textOf(b) as string | Buffer, type: 'application/json' as string | undefined, encoding: undefined as string | undefined })) },
    {
      weight: 12, arbitrary: fc.tuple(anyBody, fc.nat()).map(([b, cut]) => {
        const full = textOf(b);
        return { kind: 'truncated-json', text: full.slice(0, cut % Math.max(1, full.length - 1)) || '{', type: 'application/json', encoding: undefined };
      }),
    },
    { weight: 8, arbitrary: fc.string({ maxLength: 200 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }).map((text) => ({ kind: 'not-json', text, type: 'application/json', encoding: undefined })) },
    { weight: 8, arbitrary: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean(), fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 5 })).map((v) => ({ kind: 'not-an-object', text: textOf(v), type: 'application/json', encoding: undefined })) },
    {
      weight: 6, arbitrary: fc.tuple(fc.integer({ min: 1_000, max: 60_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => ({
        kind: 'deep-nesting', text: `{"x":${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)},"text":1,"alerts":1}`, type: 'application/json', encoding: undefined,
      })),
    },
    {
      weight: 6, arbitrary: fc.tuple(anyBody, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonp', 'json', '')).map(([b, type]) => ({
        kind: 'wrong-type', text: textOf(b), type, encoding: undefined,
      })),
    },
    {
      weight: 5, arbitrary: fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip', 'identity, x')).map(([bytes, encoding]) => ({
        kind: 'bad-encoding', text: Buffer.from(bytes), type: 'application/json', encoding,
      })),
    },
    { weight: 3, arbitrary: fc.constantFrom('utf-16', 'ebcdic', 'x-made-up', 'latin1').map((cs) => ({ kind: 'bad-charset', text: '{"a":1}', type: `application/json; charset=${cs}`, encoding: undefined })) },
    {
      weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((extra) => ({
        kind: 'oversized', text: `{"text":"${'x'.repeat(t.limit + extra)}"}`, type: 'application/json', encoding: undefined,
      })),
    },
  );
  return fc.record({ path: t.path, shape, auth: authHeaders }).map(({ path: p, shape: s, auth }) => {
    const headers: Record<string, string> = {};
    if (s.type !== undefined) headers['content-type'] = s.type;
    if (s.encoding !== undefined) headers['content-encoding'] = s.encoding;
    if (t.auth === 'webhook') {
      if (auth !== 'none') headers['authorization'] = `Bearer ${WEBHOOK_TOKEN}`;
    } else if (t.auth === 'api') {
      if (auth === 'right') headers['authorization'] = `Bearer ${adminToken}`;
      if (auth === 'cookie' || auth === 'cookie-no-csrf') headers['cookie'] = cookie;
      if (auth === 'cookie') headers['x-csrf-token'] = csrf;
    }
    return { method: t.method, path: p, headers, body: s.text, kind: s.kind };
  });
}

// ---- what is stored ---------------------------------------------------------------------------

function storeFile(dataDir: string): string {
  const found = fs.readdirSync(dataDir).find((f) => /\.(db|sqlite3?)$/.test(f));
  if (!found) throw new Error(`no SQLite file in ${dataDir}: ${fs.readdirSync(dataDir).join(', ')}`);
  return path.join(dataDir, found);
}

function countRows(dataDir: string): Record<string, number> {
  const db = new DatabaseSync(storeFile(dataDir), { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>;
    return Object.fromEntries(tables.map(({ name }) => [name, Number((db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n)]));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  vigil = await startVigil({ ADMIN_PASSWORD, WEBHOOK_TOKEN, PROMETHEUS_POLL_SECONDS: '0', DOCKER_HOSTS: 'tcp://127.0.0.1:9' });
  await vigil.app.ready();
  const admin = new Client(vigil.url);
  expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
  cookie = admin.cookie!;
  csrf = admin.csrf!;
  adminToken = (await admin.send('POST', '/api/tokens', { name: 'fuzzer', role: 'admin' })).body.token;
  const fired = await new Client(vigil.url).request('POST', '/api/webhooks/alertmanager', firing, { authorization: `Bearer ${WEBHOOK_TOKEN}` });
  expect(fired.status).toBe(200);
  incidentId = (await admin.request('GET', '/api/incidents')).body.items[0].id;
  expect((await admin.send('PUT', `/api/incidents/${incidentId}/postmortem`, { markdown: '# PM\n\n## Action Items\n\n- [ ] one\n', version: 0 })).status).toBe(200);
});
afterAll(async () => { await vigil?.stop(); });

test('the fuzzer covers every route that takes a body or changes state', () => {
  const fuzzed = new Set(targets().map((t) => `${t.method} ${t.declared}`));
  expect(stateChangingRoutes().map(routeKey).filter((k) => !fuzzed.has(k))).toEqual([]);
});

test(`${RUNS} malformed, oversized and hostile requests: all 4xx, Vigil alive, nothing stored`, { timeout: 240_000 }, async () => {
  const before = countRows(vigil.dataDir);
  const all = targets();
  const cases = fc.sample(fc.nat(all.length - 1).chain((i) => requestCase(all[i]!)), { numRuns: RUNS, seed: SEED });
  expect(cases.length).toBe(RUNS);

  const statuses = new Map<string, number>();
  const failures: string[] = [];
  let next = 0;
  const started = Date.now();
  async function worker(): Promise<void> {
    while (next < cases.length && failures.length < 20) {
      const c = cases[next++]!;
      let status: number;
      let text: string;
      try {
        const res = await fetch(vigil.url + c.path, { method: c.method, headers: c.headers, ...(c.body !== undefined ? { body: c.body } : {}), signal: AbortSignal.timeout(15_000) });
        status = res.status;
        text = await res.text();
      } catch (err) {
        failures.push(`${c.method} ${c.path} (${c.kind}): no answer: ${err instanceof Error ? `${err.message} ${String(err.cause ?? '')}` : String(err)}`);
        continue;
      }
      statuses.set(`${status}`, (statuses.get(`${status}`) ?? 0) + 1);
      let shapeOk = false;
      try {
        const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        shapeOk = typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string' && parsed.error.message.length > 10;
      } catch { /* not JSON */ }
      if (status < 400 || status >= 500 || !shapeOk) {
        const shown = typeof c.body === 'string' ? c.body.slice(0, 300) : `<${c.body?.length ?? 0} bytes>`;
        failures.push(`${c.method} ${c.path} (${c.kind}, ${JSON.stringify(c.headers['content-type'])}) → ${status} ${text.slice(0, 200)}\n    body: ${shown}`);
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`fuzz: ${cases.length} requests in ${seconds.toFixed(1)} s (seed ${SEED}); answers ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
  expect(failures, `seed ${SEED}`).toEqual([]);

  const health = await fetch(`${vigil.url}/healthz`);
  expect(health.status).toBe(200);
  expect((await fetch(`${vigil.url}/readyz`)).status).toBe(200);
  expect(countRows(vigil.dataDir)).toEqual(before);
});
