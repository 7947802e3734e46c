// Paging on the wire (API.md "Paging"): notification channels, escalation policies, on-call
// schedules, maintenance windows, people's contact methods, and what was sent for an incident.

export const CHANNEL_TYPES = ['webhook', 'slack', 'teams', 'discord', 'mattermost', 'telegram', 'ntfy', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** What a page is about: the webhook channel's `event`, and the kind of every message. */
export const PAGE_EVENTS = ['incident.opened', 'incident.escalated', 'incident.acknowledged', 'incident.resolved', 'digest', 'test'] as const;
export type PageEvent = (typeof PAGE_EVENTS)[number];

/** The config of each channel type as an admin writes it. Secret fields come back masked. */
export interface ChannelConfigs {
  webhook: { url: string; secret?: string };
  slack: { url: string };
  teams: { url: string };
  discord: { url: string };
  mattermost: { url: string };
  telegram: { botToken: string; chatId: string };
  ntfy: { url: string; topic: string; token?: string };
  email: { to: string[] };
}

/** What the API answers in place of a secret (a URL's token, `secret`, `botToken`, `token`). */
export const MASKED = '••••••';

export interface NotificationChannel {
  id: string;
  name: string;
  type: ChannelType;
  /** Secrets masked (MASKED, or a URL with its path and query replaced by it). */
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** `POST /api/notification-channels/:id/test` and "page me now". */
export interface TestSendResult {
  delivered: boolean;
  /** "Page me now": the channel the test went through, and which contact method it used. */
  channelName?: string;
  method?: 'email' | 'ntfy' | 'telegram';
  /** The receiver's HTTP status (SMTP: 250 on acceptance). */
  status?: number;
  error?: string;
  ms: number;
}

export type EscalationTarget = { channelId: string } | { userId: string } | { scheduleId: string };

export interface EscalationStep {
  /** Seconds after the incident opened (or after the previous round started) this step pages. */
  afterSeconds: number;
  targets: EscalationTarget[];
}

export interface EscalationPolicy {
  id: string;
  name: string;
  /** Service names or glob patterns (`*`, `web-*`); `*` alone = any service. */
  services: string[];
  /** Incidents below this severity do not page (critical > warning > info). Unset = every severity. */
  minSeverity?: 'critical' | 'warning' | 'info';
  steps: EscalationStep[];
  /** How many more times the whole chain runs when nobody acknowledged (0 = once). */
  repeat: number;
  createdAt: string;
  updatedAt: string;
}

/** People take turns: each `rotation.users[i]` holds it for `shiftHours` from `handoffAt` on. */
export interface Rotation {
  users: string[];
  /** A first hand-off, local time in the schedule's zone: `2026-12-07T09:00`. */
  handoffAt: string;
  shiftHours: number;
}

export interface ScheduleOverride {
  userId: string;
  /** ISO-8601 instants (with offset or Z). */
  start: string;
  end: string;
}

export interface Schedule {
  id: string;
  name: string;
  /** IANA time zone: hand-offs keep their wall-clock time across daylight-saving changes. */
  timeZone: string;
  rotations: Rotation[];
  overrides: ScheduleOverride[];
  createdAt: string;
  updatedAt: string;
}

/** `GET /api/schedules/:id/on-call?at=&days=`: who is on call, and the shifts from then on. */
export interface OnCallAnswer {
  at: string;
  userIds: string[];
  shifts: Array<{ userId: string; start: string; end: string; override: boolean }>;
}

/** How a person is paged when a policy names them. */
export interface ContactMethods {
  email?: string;
  ntfyTopic?: string;
  telegramChatId?: string;
  slackMemberId?: string;
}

export interface MaintenanceWindow {
  id: string;
  services: string[];
  start: string;
  end: string;
  reason: string;
  createdBy: string;
  createdAt: string;
}

export const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One message to one channel (or one person through one channel), as the incident page lists it. */
export interface DeliveryView {
  id: string;
  incidentIds: string[];
  event: PageEvent;
  channelId: string;
  channelName: string;
  /** The person paged, when the target was a user or a schedule's on-call, and their username. */
  userId?: string;
  userName?: string;
  step?: number;
  state: DeliveryState;
  attempts: number;
  createdAt: string;
  deliveredAt?: string;
  nextAttemptAt?: string;
  lastError?: string;
}

/** `GET /api/incidents/:id/paging`: who was paged and when the next step pages. */
export interface IncidentPaging {
  deliveries: DeliveryView[];
  policyId?: string;
  /** When the next escalation step pages unless someone acknowledges first. */
  nextStepAt?: string;
  /** That step's index, counting from 0 (the first step, which pages at once, is 0). */
  nextStep?: number;
}

/** `GET /api/paging/health`: the banner's source. */
export interface PagingHealth {
  failing: Array<{ channelId: string; channelName: string; channelType?: ChannelType; error: string; since: string }>;
}
