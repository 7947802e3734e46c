// The paging routes as the UI calls them (API.md "Paging"): channels, escalation policies,
// schedules, maintenance windows, your contact methods and an incident's deliveries (paging's
// health is in paging-health.ts, which the shell loads). Each answer's shape is checked before use.
import type {
  ChannelType, ContactMethods, EscalationPolicy, IncidentPaging, MaintenanceWindow, NotificationChannel,
  OnCallAnswer, Schedule, TestSendResult,
} from '@vigil/server/contract';
import { api, ApiError } from './api.ts';
import {
  isContactMethods, isEscalationPolicy, isIncidentPaging, isMaintenanceWindow, isNotificationChannel, isOnCallAnswer,
  isSchedule, isTestSendResult, listOf,
} from './paging-wire.ts';

function badAnswer(what: string): ApiError {
  return new ApiError(502, 'bad_answer', `Vigil answered ${what} in a shape this page does not understand; reload the page.`);
}

function checked<T>(answer: unknown, guard: (v: unknown) => v is T, what: string): T {
  if (!guard(answer)) throw badAnswer(what);
  return answer;
}

function listed<T>(answer: unknown, guard: (v: unknown) => v is T, what: string): T[] {
  const list = listOf(answer, guard);
  if (list === null) throw badAnswer(what);
  return list;
}

const at = (base: string, id: string): string => `${base}/${encodeURIComponent(id)}`;

const CHANNELS = '/api/notification-channels';
const POLICIES = '/api/escalation-policies';
const SCHEDULES = '/api/schedules';
const MAINTENANCE = '/api/maintenance-windows';

export interface ChannelInput { name: string; type: ChannelType; config: Record<string, unknown> }

export const listChannels = async (): Promise<NotificationChannel[]> =>
  listed(await api.get(CHANNELS), isNotificationChannel, 'the channel list');

export const createChannel = async (input: ChannelInput): Promise<NotificationChannel> =>
  checked(await api.post(CHANNELS, input), isNotificationChannel, 'the new channel');

export const updateChannel = async (id: string, input: ChannelInput): Promise<NotificationChannel> =>
  checked(await api.patch(at(CHANNELS, id), input), isNotificationChannel, 'the channel');

export async function deleteChannel(id: string): Promise<void> {
  await api.delete(at(CHANNELS, id));
}

export const testChannel = async (id: string): Promise<TestSendResult> =>
  checked(await api.post(`${at(CHANNELS, id)}/test`), isTestSendResult, 'the test send');

export type PolicyInput = Pick<EscalationPolicy, 'name' | 'services' | 'minSeverity' | 'steps' | 'repeat'>;

export const listPolicies = async (): Promise<EscalationPolicy[]> =>
  listed(await api.get(POLICIES), isEscalationPolicy, 'the escalation policies');

export const createPolicy = async (input: PolicyInput): Promise<EscalationPolicy> =>
  checked(await api.post(POLICIES, input), isEscalationPolicy, 'the new policy');

export const updatePolicy = async (id: string, input: PolicyInput): Promise<EscalationPolicy> =>
  checked(await api.put(at(POLICIES, id), input), isEscalationPolicy, 'the policy');

export async function deletePolicy(id: string): Promise<void> {
  await api.delete(at(POLICIES, id));
}

export type ScheduleInput = Pick<Schedule, 'name' | 'timeZone' | 'rotations' | 'overrides'>;

export const listSchedules = async (): Promise<Schedule[]> =>
  listed(await api.get(SCHEDULES), isSchedule, 'the schedules');

export const createSchedule = async (input: ScheduleInput): Promise<Schedule> =>
  checked(await api.post(SCHEDULES, input), isSchedule, 'the new schedule');

export const updateSchedule = async (id: string, input: ScheduleInput): Promise<Schedule> =>
  checked(await api.put(at(SCHEDULES, id), input), isSchedule, 'the schedule');

export async function deleteSchedule(id: string): Promise<void> {
  await api.delete(at(SCHEDULES, id));
}

/** Who is on call at `atIso` (now when omitted) and the shifts of the `days` after. */
export async function onCall(id: string, days = 14, atIso?: string): Promise<OnCallAnswer> {
  const q = new URLSearchParams({ days: String(days) });
  if (atIso) q.set('at', atIso);
  return checked(await api.get(`${at(SCHEDULES, id)}/on-call?${q.toString()}`), isOnCallAnswer, 'who is on call');
}

export type MaintenanceInput = Pick<MaintenanceWindow, 'services' | 'start' | 'end' | 'reason'>;

export const listMaintenance = async (): Promise<MaintenanceWindow[]> =>
  listed(await api.get(MAINTENANCE), isMaintenanceWindow, 'the maintenance windows');

export const createMaintenance = async (input: MaintenanceInput): Promise<MaintenanceWindow> =>
  checked(await api.post(MAINTENANCE, input), isMaintenanceWindow, 'the new maintenance window');

export async function deleteMaintenance(id: string): Promise<void> {
  await api.delete(at(MAINTENANCE, id));
}

export const loadContacts = async (): Promise<ContactMethods> =>
  checked(await api.get('/api/me/contacts'), isContactMethods, 'your contact methods');

export const saveContacts = async (contacts: ContactMethods): Promise<ContactMethods> =>
  checked(await api.put('/api/me/contacts', contacts), isContactMethods, 'your contact methods');

export const pageMe = async (): Promise<TestSendResult[]> =>
  listed(await api.post('/api/me/page-test'), isTestSendResult, 'the test page');

export const incidentPaging = async (incidentId: string, signal?: AbortSignal): Promise<IncidentPaging> =>
  checked(await api.get(`/api/incidents/${encodeURIComponent(incidentId)}/paging`, signal ? { signal } : {}), isIncidentPaging, 'who was paged');
