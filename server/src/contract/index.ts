// The wire: what the server sends and the client reads (`@vigil/server/contract`). It imports
// nothing from the rest of the server: domain, store and routes depend on it, never the reverse
// (server/test/unit/dependencies.test.ts holds that). Plain TypeScript, so it ships with the client.
export * from './values.ts';
export type * from './incidents.ts';
export type * from './containers.ts';
export * from './status.ts';
export type * from './metrics.ts';
export type * from './events.ts';
export * from './access.ts';
export * from './postmortems.ts';
export * from './paging.ts';
export type * from './swarm.ts';
export * from './silences.ts';
export type * from './changes.ts';
export type * from './alerts.ts';
export type * from './replay.ts';
