// The few fields of Swarm's API objects (Engine API 1.41) Vigil reads, validated: tasks (`GET
// /tasks`), services (`GET /services`), and the Swarm part of `GET /info`.
import { z } from 'zod';

export const taskSchema = z.object({
  ID: z.string().min(1),
  ServiceID: z.string().min(1),
  /** Replicated services number their tasks by slot; a global service's task is per node. */
  Slot: z.number().int().optional(),
  NodeID: z.string().optional(),
  CreatedAt: z.string(),
  DesiredState: z.string().optional(),
  Status: z.object({
    Timestamp: z.string(),
    State: z.string(),
    Message: z.string().optional(),
    Err: z.string().optional(),
    ContainerStatus: z.object({ ContainerID: z.string().optional(), ExitCode: z.number().int().optional() }).optional(),
  }),
});
export type SwarmTask = z.infer<typeof taskSchema>;

export const serviceSchema = z.object({
  ID: z.string().min(1),
  Version: z.object({ Index: z.number().int().nonnegative() }),
  CreatedAt: z.string().optional(),
  UpdatedAt: z.string().optional(),
  Spec: z.looseObject({
    Name: z.string().min(1),
    Mode: z.record(z.string(), z.unknown()).optional(),
    TaskTemplate: z.looseObject({
      ForceUpdate: z.number().int().nonnegative().optional(),
      ContainerSpec: z.looseObject({ Image: z.string().optional() }).optional(),
    }),
  }),
  UpdateStatus: z.object({ State: z.string().optional(), Message: z.string().optional() }).optional(),
});
export type SwarmService = z.infer<typeof serviceSchema>;

export const swarmInfoSchema = z.object({
  Swarm: z.object({
    NodeID: z.string().optional(),
    LocalNodeState: z.string().optional(),
    ControlAvailable: z.boolean().optional(),
  }).optional(),
});

/** Whether `GET /info` says this daemon is an active Swarm manager (it answers /tasks and /services). */
export function isSwarmManager(info: unknown): boolean {
  const parsed = swarmInfoSchema.safeParse(info);
  return parsed.success && parsed.data.Swarm?.LocalNodeState === 'active' && parsed.data.Swarm.ControlAvailable === true;
}

/** Parses a list item by item: one odd object does not hide the others. */
export function parseList<T>(schema: z.ZodType<T>, body: unknown): T[] {
  if (!Array.isArray(body)) throw new Error('the daemon answered with something that is not a list');
  return body.flatMap((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Replicated jobs and global jobs end their tasks on purpose; other services keep them running. */
export function isJob(service: SwarmService): boolean {
  const mode = service.Spec.Mode ?? {};
  return 'ReplicatedJob' in mode || 'GlobalJob' in mode;
}
