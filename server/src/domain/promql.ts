// Building PromQL from data (a service name, a job, an alert's labels): the one place that turns a
// value into a PromQL string literal, so no value ever becomes query syntax. Pure.

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A PromQL double-quoted string literal holding exactly `value`. PromQL reads Go's escapes:
 * backslash and quote are escaped, control characters written as `\n`, `\t`… or `\u00XX` (a raw
 * newline ends the literal with a parse error), and lone UTF-16 surrogates, which Go refuses in
 * `\u` escapes and UTF-8 cannot carry, become U+FFFD (written `\ufffd`, as U+FFFD itself is).
 */
export function promString(value: string): string {
  let out = '"';
  for (const ch of value) {
    switch (ch) {
      case '\\': out += '\\\\'; break;
      case '"': out += '\\"'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      default: {
        const code = ch.codePointAt(0) ?? 0;
        // Iterating by code point leaves a lone surrogate as a one-unit string. U+FFFD itself is
        // written as an escape: Prometheus's lexer takes a raw one for broken UTF-8 and refuses it.
        if ((code >= 0xd800 && code <= 0xdfff) || code === 0xfffd) out += '\\ufffd';
        else out += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
      }
    }
  }
  return `${out}"`;
}

export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

export type Matcher = readonly [name: string, op: '=' | '!=' | '=~' | '!~', value: string];

/**
 * `{a="x",b=~"5.."}`: label names are checked (a name is syntax, never escaped), values are string
 * literals. A regex value is the caller's regex: only its quoting is made safe here.
 */
export function selector(matchers: readonly Matcher[]): string {
  for (const [name] of matchers) {
    if (!isLabelName(name)) throw new Error(`not a Prometheus label name: ${JSON.stringify(name)}`);
  }
  return `{${matchers.map(([name, op, value]) => `${name}${op}${promString(value)}`).join(',')}}`;
}

/** `name` as a metric name selector with matchers, e.g. `up{job="backend"}`. */
export function seriesSelector(metric: string, matchers: readonly Matcher[]): string {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric)) throw new Error(`not a Prometheus metric name: ${JSON.stringify(metric)}`);
  return `${metric}${selector(matchers)}`;
}

/** A duration PromQL accepts in a range selector or `offset`: whole seconds, at least 1. */
export function promDuration(seconds: number): string {
  return `${Math.max(1, Math.ceil(seconds))}s`;
}
