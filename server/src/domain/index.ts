// The domain's public surface: what the ingest pipeline, the API routes and the supervisor use.
export { Engine, project } from './engine.ts';
export type { Projection, RestoreResult } from './engine.ts';
export { coalesce } from './decisions.ts';
export type { Decision } from './decisions.ts';
export { DEFAULT_OPTIONS, engineOptions } from './options.ts';
export type { EngineOptions } from './options.ts';
export { KIND } from './kinds.ts';
export {
  breakerOpenSignal, notificationSignal, swarmForceUpdateSignal, restartRequestedSignal, restartResultSignal, rollbackRequestedSignal, rollbackResultSignal, supervisionSignal, supervisorRestartSignal, userCommandSignal,
} from './commands.ts';
export type { ContainerRef, IncidentRef, NotificationKind, UserCommand } from './commands.ts';
export { incidentAnalytics, statsResponse } from './analytics.ts';
export type { Signal, SignalSource } from './signal.ts';
export { formatDuration } from './time.ts';
