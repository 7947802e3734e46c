// @vitest-environment happy-dom
// HistoryFilters mounted: it shows the filter it is given, and each change is emitted as the
// whole new filter — text after a pause in typing, the others at once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import HistoryFilters, { type FilterModel } from '../../src/components/board/HistoryFilters.vue';
import { mountIn } from './mount.ts';

const START: FilterModel = { search: 'disk', service: 'backend', status: 'resolved', range: '7d' };

function mountFilters(model: FilterModel = START) {
  const wrapper = mountIn(HistoryFilters, { props: { modelValue: model, services: ['backend', 'db', 'frontend'] } });
  const emitted = () => (wrapper.emitted('update:modelValue') ?? []).map(([value]) => value);
  return { wrapper, emitted };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('HistoryFilters', () => {
  it('shows the filter it is given and offers the known services', () => {
    const { wrapper } = mountFilters();
    expect((wrapper.get('#history-search').element as HTMLInputElement).value).toBe('disk');
    expect((wrapper.get('#history-service').element as HTMLInputElement).value).toBe('backend');
    expect((wrapper.get('#history-status').element as HTMLSelectElement).value).toBe('resolved');
    expect((wrapper.get('#history-range').element as HTMLSelectElement).value).toBe('7d');
    expect(wrapper.findAll('#history-services option').map((o) => o.attributes('value'))).toEqual(['backend', 'db', 'frontend']);
  });

  it('emits the search once typing pauses for 150 ms, with the rest of the filter kept', async () => {
    const { wrapper, emitted } = mountFilters();
    const search = wrapper.get('#history-search');
    await search.setValue('dis');
    await vi.advanceTimersByTimeAsync(100);
    await search.setValue('disk full');
    await vi.advanceTimersByTimeAsync(149);
    expect(emitted()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(emitted()).toEqual([{ ...START, search: 'disk full' }]);
  });

  it('emits a status or a range at once', async () => {
    const { wrapper, emitted } = mountFilters();
    await wrapper.get('#history-status').setValue('open');
    await wrapper.get('#history-range').setValue('all');
    expect(emitted()).toEqual([{ ...START, status: 'open' }, { ...START, range: 'all' }]);
  });

  it('emits the service trimmed when the field changes, and any service as empty', async () => {
    const { wrapper, emitted } = mountFilters();
    const service = wrapper.get('#history-service');
    (service.element as HTMLInputElement).value = '  db ';
    await service.trigger('change');
    (service.element as HTMLInputElement).value = '';
    await service.trigger('change');
    expect(emitted()).toEqual([{ ...START, service: 'db' }, { ...START, service: '' }]);
  });

  it('gives focus to the search on request (the / shortcut)', () => {
    const { wrapper } = mountFilters();
    (wrapper.vm as unknown as { focusSearch(): void }).focusSearch();
    expect(document.activeElement).toBe(wrapper.get('#history-search').element);
  });
});
