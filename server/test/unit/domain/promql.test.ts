// PromQL from data: one escaping function, checked against what Prometheus's parser reads (Go
// string escapes). The integration suite security-prometheus-queries also runs these literals
// through a real Prometheus and reads the values back.
import { describe, expect, test } from 'vitest';
import { promDuration, promString, selector, seriesSelector } from '../../../src/domain/promql.ts';
import { failedRequestsQuery, isUpRuleFor, upRuleExpr } from '../../../src/domain/postmortem/findings.ts';
import { chartQuery } from '../../../src/sources/prometheus/charts.ts';
import { firingSeriesSelector } from '../../../src/sources/prometheus/alerts.ts';

describe('promString', () => {
  test('backslashes, quotes and newlines are escaped, so a value never ends the literal', () => {
    expect(promString('backend')).toBe('"backend"');
    expect(promString('a\\b')).toBe('"a\\\\b"');
    expect(promString('ends with \\')).toBe('"ends with \\\\"');
    expect(promString('say "hi"')).toBe('"say \\"hi\\""');
    expect(promString('two\nlines\r\n')).toBe('"two\\nlines\\r\\n"');
    expect(promString('tab\there')).toBe('"tab\\there"');
    expect(promString('x"} or vector(1) or up{y="')).toBe('"x\\"} or vector(1) or up{y=\\""');
    expect(promString('\\"')).toBe('"\\\\\\""');
  });

  test('other control characters as \\u escapes; lone surrogates as U+FFFD; the rest as it is', () => {
    expect(promString('a\u0000b\u001bc\u007f')).toBe('"a\\u0000b\\u001bc\\u007f"');
    expect(promString('lone \ud800 half \ufffd')).toBe('"lone \\ufffd half \\ufffd"');
    expect(promString('Zürich 🚀 ‘quotes’ `tick` \'single\'')).toBe('"Zürich 🚀 ‘quotes’ `tick` \'single\'"');
  });

  test('label and metric names are syntax: checked, never escaped', () => {
    expect(selector([['job', '=', 'a\\b'], ['status', '=~', '5..']])).toBe('{job="a\\\\b",status=~"5.."}');
    expect(() => selector([['job"} or vector(1) #', '=', 'x']])).toThrow(/not a Prometheus label name/);
    expect(() => seriesSelector('up{', [])).toThrow(/not a Prometheus metric name/);
    expect(promDuration(0.2)).toBe('1s');
    expect(promDuration(90.5)).toBe('91s');
  });
});

describe('every place that builds PromQL from data uses it', () => {
  const job = 'we\\ird"job\nname';
  const literal = '"we\\\\ird\\"job\\nname"';

  test('the named charts', () => {
    expect(chartQuery('up', job, 15)).toBe(`up{job=${literal}} or up{service=${literal}}`);
    expect(chartQuery('errors', job, 15)).toBe(`sum(rate(http_requests_total{job=${literal},status=~"5.."}[60s]) or rate(http_requests_total{service=${literal},status=~"5.."}[60s]))`);
    // A step longer than a minute widens the rate window, so no sample falls between points.
    expect(chartQuery('requests', 'b', 300)).toBe('sum(rate(http_requests_total{job="b"}[300s]) or rate(http_requests_total{service="b"}[300s]))');
  });

  test('the post-mortem: failed requests, the suggested rule, finding an existing rule', () => {
    expect(failedRequestsQuery(job, 90.2)).toBe(`sum(increase(http_requests_total{job=${literal},status=~"5.."}[91s]))`);
    expect(upRuleExpr(job)).toBe(`up{job=${literal}} == 0`);
    expect(isUpRuleFor(`up{job=${literal}} == 0`, job, 'svc')).toBe(true);
    expect(isUpRuleFor('up{job="other"} == 0', job, 'svc')).toBe(false);
    expect(isUpRuleFor('up == 0', job, 'svc')).toBe(true);
    expect(isUpRuleFor('rate(x[1m]) > 0', job, 'svc')).toBe(false);
  });

  test('the poller\'s ALERTS selector', () => {
    expect(firingSeriesSelector({ job, alertname: 'Down' })).toBe(`ALERTS{alertname="Down",alertstate="firing",job=${literal}}`);
  });
});
