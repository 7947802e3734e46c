// @vitest-environment happy-dom
// A timeline line of paging's: drawn with paging's own icon and named so, not as a plain Vigil
// line; a failed page marked as such beside its sentence.
import { describe, expect, it } from 'vitest';
import TimelineItem from '../../src/components/incident/TimelineItem.vue';
import { entry } from '../fixtures.ts';
import { mountIn } from './mount.ts';

describe('TimelineItem', () => {
  it('draws paging\'s entries with the paging icon, named Paging', () => {
    const sent = mountIn(TimelineItem, { props: { entry: entry({ source: 'system', kind: 'notification.sent', message: 'Paged rita via ops (Slack)' }) } });
    const icon = sent.get('.source-icon');
    expect(icon.attributes('data-source')).toBe('paging');
    expect(icon.attributes('title')).toBe('Paging');
    expect(sent.get('summary').attributes('aria-label')).toBe('Raw data of this Paging entry (notification.sent)');

    const failed = mountIn(TimelineItem, { props: { entry: entry({ source: 'system', kind: 'notification.failed', message: "Page to Slack 'ops' failed after 5 attempts: answered 404" }) } });
    expect(failed.get('li').attributes('data-kind')).toBe('notification.failed');
    expect(failed.get('.message').text()).toContain('failed after 5 attempts');

    const other = mountIn(TimelineItem, { props: { entry: entry({ source: 'system', kind: 'incident.resolved', message: 'Resolved' }) } });
    expect(other.get('.source-icon').attributes('data-source')).toBe('system');
  });
});
