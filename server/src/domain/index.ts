// The domain's public surface: what the ingest pipeline, the API routes and the supervisor use.
export { applySignal, EMPTY_STATE, nextTickAt, project, restoreState, tick } from './engine.ts';
export type { EngineResult, EngineState, Projection, RestoreResult, ServiceState } from './engine.ts';
export type { Decision } from './decisions.ts';
export { DEFAULT_OPTIONS, engineOptions } from './options.ts';
export type { EngineOptions } from './options.ts';
export { KIND } from './kinds.ts';
export {
  breakerOpenSignal, restartRequestedSignal, restartResultSignal, supervisionSignal, supervisorRestartSignal, userCommandSignal,
} from './commands.ts';
export type { ContainerRef, IncidentRef, UserCommand } from './commands.ts';
export { incidentAnalytics, statsResponse } from './analytics.ts';
export type { DetectionHop, DetectionHopName, IncidentAnalytics, Interval, ServiceStats, StatsResponse } from './analytics.ts';
export type { Signal, SignalSource } from './signal.ts';
export { formatDuration } from './time.ts';
