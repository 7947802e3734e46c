// What only the leader can answer, asked of a follower: the routes that read what the leader holds
// in memory (the Docker inventory, paging's timers, post-mortem findings from Docker) or act on
// Docker (restarts, supervision, Swarm). The follower has already checked the caller (session or
// token, CSRF, origin); it passes the request on to the leader's REPLICA_URL and the answer back.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SourceStatus } from '../contract/index.ts';
import { HttpError } from '../http/errors.ts';
import type { Membership } from './membership.ts';

/** Set on a request a replica passes on; a replica that gets one and does not lead refuses it (no loops). */
export const FORWARDED_BY = 'x-vigil-forwarded-by';
const TIMEOUT_MS = 15_000;
/** The largest answer passed back (a container list of ~10,000 containers). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
const PASSED_HEADERS = ['authorization', 'cookie', 'x-csrf-token', 'content-type', 'accept', 'user-agent'] as const;

/** Paths under /api only the leader answers. */
const LEADER_ONLY: ReadonlyArray<{ methods?: readonly string[]; path: RegExp }> = [
  { path: /^\/containers(\/|$)/ },
  { path: /^\/swarm(\/|$)/ },
  { methods: ['POST'], path: /^\/changes\/[^/]+\/rollback$/ },
  { methods: ['GET'], path: /^\/paging\/health$/ },
  { methods: ['GET'], path: /^\/incidents\/[^/]+\/paging$/ },
  { methods: ['GET'], path: /^\/incidents\/[^/]+\/silences$/ },
  // The leader caches the setting its silences use.
  { methods: ['PUT'], path: /^\/silence-settings$/ },
  { methods: ['GET'], path: /^\/incidents\/[^/]+\/postmortem(\.md)?$/ },
];

export function isLeaderOnly(method: string, path: string): boolean {
  return LEADER_ONLY.some((r) => r.path.test(path) && (r.methods === undefined || r.methods.includes(method)));
}

const noLeader = () => new HttpError(503, 'no_leader', 'No Vigil replica leads right now (a failover takes up to 15 s); nothing was changed. Try again in a few seconds.');

export function leaderProxy(membership: Membership, replica: string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (membership.isLeader || !isLeaderOnly(req.method, req.path)) {
      next();
      return;
    }
    const leader = membership.leaderUrl();
    if (leader === undefined || req.get(FORWARDED_BY) !== undefined) {
      next(noLeader());
      return;
    }
    void pass(req, res, `${leader}/api${req.url}`, replica).catch((err: unknown) => {
      next(err instanceof HttpError ? err : new HttpError(502, 'leader_unreachable', `The leading replica did not answer (${err instanceof Error ? err.message : String(err)}); nothing may have been changed. Try again in a few seconds.`));
    });
  };
}

async function pass(req: Request, res: Response, url: string, replica: string): Promise<void> {
  const headers = new Headers();
  for (const name of PASSED_HEADERS) {
    const value = req.get(name);
    if (value !== undefined) headers.set(name, value);
  }
  headers.set(FORWARDED_BY, replica);
  if (req.ip !== undefined) headers.set('x-forwarded-for', req.ip);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined;
  const answer = await fetch(url, {
    method: req.method,
    headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
    ...(hasBody ? { body: JSON.stringify(req.body) } : {}),
  });
  const declared = Number(answer.headers.get('content-length') ?? '0');
  if (declared > MAX_ANSWER_BYTES) throw new HttpError(502, 'leader_answer_too_large', 'The leading replica\'s answer is larger than a replica passes on.');
  const body = Buffer.from(await answer.arrayBuffer());
  if (body.length > MAX_ANSWER_BYTES) throw new HttpError(502, 'leader_answer_too_large', 'The leading replica\'s answer is larger than a replica passes on.');
  res.status(answer.status);
  for (const name of ['content-type', 'cache-control', 'content-disposition', 'retry-after']) {
    const value = answer.headers.get(name);
    if (value !== null) res.set(name, value);
  }
  res.set('x-vigil-answered-by', 'leader');
  res.send(body);
}

/** The leader's source states, from its /readyz (bounded: 1 s, 256 kB): a follower watches no source and shows these. */
export async function leaderSources(leaderUrl: string | undefined): Promise<SourceStatus[] | undefined> {
  if (leaderUrl === undefined) return undefined;
  try {
    const res = await fetch(`${leaderUrl}/readyz`, { signal: AbortSignal.timeout(1_000), redirect: 'manual' });
    const text = await res.text();
    if (text.length > 256 * 1024) return undefined;
    const body = JSON.parse(text) as { sources?: unknown };
    return Array.isArray(body.sources) ? body.sources as SourceStatus[] : undefined;
  } catch {
    return undefined;
  }
}
