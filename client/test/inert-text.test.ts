// Untrusted text (service names, labels, alert annotations, log lines) must render as text: no
// template or script in the client may turn a string into markup.
import { expect, it } from 'vitest';

const sources = import.meta.glob<string>('../src/**/*.{vue,ts}', { query: '?raw', import: 'default', eager: true });

it('has no v-html, innerHTML, outerHTML, insertAdjacentHTML or document.write anywhere in client/src', () => {
  expect(Object.keys(sources).length, Object.keys(sources).join(', ')).toBeGreaterThan(40);
  const offenders = Object.entries(sources).flatMap(([file, text]) =>
    [/v-html/, /\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /document\.write/]
      .filter((re) => re.test(text))
      .map((re) => `${file}: ${re.source}`));
  expect(offenders).toEqual([]);
});
