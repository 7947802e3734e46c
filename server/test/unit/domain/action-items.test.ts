import { expect, test } from 'vitest';
import { actionItemsOf, setActionItemDone } from '../../../src/domain/postmortem/action-items.ts';

const doc = [
  '# Post-mortem', '', '- [ ] not an action item: outside the section', '',
  '## 7. Action Items', '', '- [ ] Add a healthcheck', '- [x] Label backend with `vigil.supervise=true`',
  '  * [X] nested style still counts', 'plain line', '', '## 8. Appendix', '- [ ] not this one either', '',
].join('\n');

test('only the task lines of the Action Items section are action items', () => {
  expect(actionItemsOf(doc)).toEqual([
    { index: 0, text: 'Add a healthcheck', done: false },
    { index: 1, text: 'Label backend with `vigil.supervise=true`', done: true },
    { index: 2, text: 'nested style still counts', done: true },
  ]);
  expect(actionItemsOf('# nothing here')).toEqual([]);
});

test('marking one done changes that checkbox and nothing else', () => {
  const next = setActionItemDone(doc, 0, true);
  expect(next).toBe(doc.replace('- [ ] Add a healthcheck', '- [x] Add a healthcheck'));
  expect(setActionItemDone(next ?? '', 0, false)).toBe(doc);
  expect(setActionItemDone(doc, 3, true)).toBeNull();
});
