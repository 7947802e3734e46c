// Test pages, sent now and not through the outbox: an admin's "Send test" to a channel, and a
// person's "Page me now" to each of their contact methods.
import { randomBytes } from 'node:crypto';
import { ApiFailure, notFound } from '../contract/index.ts';
import type { TestSendResult } from '../contract/index.ts';
import type { Send } from './dispatcher.ts';
import type { PagingDirectory } from './directory.ts';
import type { PageMessage } from './message.ts';
import { TRANSPORTS } from './targets.ts';

export class TestPages {
  private readonly deps: { directory: PagingDirectory; send: Send; publicUrl: string; now?: () => Date };
  private readonly now: () => Date;

  constructor(deps: { directory: PagingDirectory; send: Send; publicUrl: string; now?: () => Date }) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  /** A test message through one channel, now (not through the outbox). */
  async testChannel(channelId: string, by: string): Promise<TestSendResult> {
    const snapshot = await this.deps.directory.snapshot();
    const channel = snapshot.channels.get(channelId);
    if (!channel) {
      const unreadable = snapshot.unreadable.find((u) => u.channelId === channelId);
      if (unreadable) return { delivered: false, error: unreadable.error, ms: 0 };
      throw notFound(`Notification channel ${channelId}`);
    }
    return this.sendTest(channel, by);
  }

  /** "Page me now": a test to each of the person's contact methods, through the channel that carries it. */
  async pageMe(userId: string, username: string): Promise<TestSendResult[]> {
    const snapshot = await this.deps.directory.snapshot();
    const contacts = snapshot.contacts[userId] ?? {};
    const results: TestSendResult[] = [];
    for (const [field, type] of TRANSPORTS) {
      const to = contacts[field];
      if (to === undefined) continue;
      const channel = [...snapshot.channels.values()].find((c) => c.type === type);
      if (!channel) {
        results.push({ delivered: false, method: type, error: `you have a ${type} contact but there is no ${type} channel to send it through; ask an admin to add one`, ms: 0 });
        continue;
      }
      results.push({ ...await this.sendTest(channel, username, to), channelName: channel.name, method: type });
    }
    if (results.length === 0) {
      throw new ApiFailure(400, 'no_contact_methods', 'You have no contact method Vigil can page (e-mail, ntfy topic, Telegram chat id): add one under Your account, then try again.');
    }
    return results;
  }

  private async sendTest(channel: Parameters<Send>[0], by: string, to?: string): Promise<TestSendResult> {
    const at = this.now().toISOString();
    const url = `${this.deps.publicUrl}/`;
    const message: PageMessage = {
      event: 'test', title: `Vigil test page to ${channel.name}`,
      text: `A test sent by ${by} at ${at}. If you can read this, pages reach this channel.`, severity: 'info',
      incident: { id: 'test', title: 'Test page', service: 'vigil', host: 'vigil', severity: 'info', status: 'open', openedAt: at, lastEventAt: at, sources: [], url },
    };
    const outcome = await this.deps.send(channel, message, { id: `test_${randomBytes(8).toString('hex')}`, attempt: 1, sentAt: at, ...(to === undefined ? {} : { to }) });
    return outcome.delivered
      ? { delivered: true, status: outcome.status, ms: outcome.ms }
      : { delivered: false, ...(outcome.status === undefined ? {} : { status: outcome.status }), error: outcome.error, ms: outcome.ms };
  }
}
