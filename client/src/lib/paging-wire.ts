// Shape checks for paging's answers (channels, policies, schedules, maintenance windows, contact
// methods, deliveries), so the UI reads what it checked. Extra fields pass; the closed lists
// are the contract's.
import {
  CHANNEL_TYPES, DELIVERY_STATES, isOneOf, PAGE_EVENTS, SEVERITIES,
  type ContactMethods, type DeliveryView, type EscalationPolicy, type EscalationStep, type EscalationTarget,
  type IncidentPaging, type MaintenanceWindow, type NotificationChannel, type OnCallAnswer,
  type Rotation, type Schedule, type ScheduleOverride, type TestSendResult,
} from '@vigil/server/contract';
import { isRecord } from './wire.ts';

const str = (v: unknown): v is string => typeof v === 'string';
const optStr = (v: unknown): boolean => v === undefined || typeof v === 'string';
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optNum = (v: unknown): boolean => v === undefined || num(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every(str);

export function isNotificationChannel(v: unknown): v is NotificationChannel {
  return isRecord(v) && str(v['id']) && str(v['name']) && isOneOf(CHANNEL_TYPES, v['type']) && isRecord(v['config'])
    && str(v['createdAt']);
}

export function isTestSendResult(v: unknown): v is TestSendResult {
  return isRecord(v) && typeof v['delivered'] === 'boolean' && num(v['ms']) && optNum(v['status']) && optStr(v['error']);
}

export function isEscalationTarget(v: unknown): v is EscalationTarget {
  return isRecord(v) && (str(v['channelId']) || str(v['userId']) || str(v['scheduleId']));
}

function isStep(v: unknown): v is EscalationStep {
  return isRecord(v) && num(v['afterSeconds']) && Array.isArray(v['targets']) && v['targets'].every(isEscalationTarget);
}

export function isEscalationPolicy(v: unknown): v is EscalationPolicy {
  return isRecord(v) && str(v['id']) && str(v['name']) && strings(v['services'])
    && (v['minSeverity'] === undefined || isOneOf(SEVERITIES, v['minSeverity']))
    && Array.isArray(v['steps']) && v['steps'].every(isStep) && num(v['repeat']);
}

function isRotation(v: unknown): v is Rotation {
  return isRecord(v) && strings(v['users']) && str(v['handoffAt']) && num(v['shiftHours']);
}

function isOverride(v: unknown): v is ScheduleOverride {
  return isRecord(v) && str(v['userId']) && str(v['start']) && str(v['end']);
}

export function isSchedule(v: unknown): v is Schedule {
  return isRecord(v) && str(v['id']) && str(v['name']) && str(v['timeZone'])
    && Array.isArray(v['rotations']) && v['rotations'].every(isRotation)
    && Array.isArray(v['overrides']) && v['overrides'].every(isOverride);
}

function isShift(v: unknown): v is OnCallAnswer['shifts'][number] {
  return isRecord(v) && str(v['userId']) && str(v['start']) && str(v['end']) && typeof v['override'] === 'boolean';
}

export function isOnCallAnswer(v: unknown): v is OnCallAnswer {
  return isRecord(v) && str(v['at']) && strings(v['userIds']) && Array.isArray(v['shifts']) && v['shifts'].every(isShift);
}

export function isMaintenanceWindow(v: unknown): v is MaintenanceWindow {
  return isRecord(v) && str(v['id']) && strings(v['services']) && str(v['start']) && str(v['end'])
    && str(v['reason']) && optStr(v['createdBy']);
}

export function isContactMethods(v: unknown): v is ContactMethods {
  return isRecord(v) && optStr(v['email']) && optStr(v['ntfyTopic']) && optStr(v['telegramChatId']) && optStr(v['slackMemberId']);
}

export function isDeliveryView(v: unknown): v is DeliveryView {
  return isRecord(v) && str(v['id']) && strings(v['incidentIds']) && isOneOf(PAGE_EVENTS, v['event'])
    && str(v['channelId']) && str(v['channelName']) && optStr(v['userId']) && optNum(v['step'])
    && isOneOf(DELIVERY_STATES, v['state']) && num(v['attempts']) && str(v['createdAt'])
    && optStr(v['deliveredAt']) && optStr(v['nextAttemptAt']) && optStr(v['lastError']);
}

export function isIncidentPaging(v: unknown): v is IncidentPaging {
  return isRecord(v) && Array.isArray(v['deliveries']) && v['deliveries'].every(isDeliveryView)
    && optStr(v['policyId']) && optStr(v['nextStepAt']) && optNum(v['nextStep']);
}

/** A list answer: `{items}` as the admin routes answer, or a bare array; null when neither checks. */
export function listOf<T>(answer: unknown, guard: (v: unknown) => v is T): T[] | null {
  const list: unknown = Array.isArray(answer) ? answer : isRecord(answer) ? answer['items'] : undefined;
  return Array.isArray(list) && list.every(guard) ? list : null;
}
