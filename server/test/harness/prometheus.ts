// Runs a real Prometheus (the machine's `prometheus`) on a free loopback port for a test.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './ports.ts';
import { findExecutable, makeTempDir, startUntilReady } from './resources.ts';

export type PrometheusOptions =
  /** An existing prometheus.yml, used as is: its relative rule_files resolve against its own folder. */
  | { configFile: string; configYaml?: never; ruleFiles?: never; scrapeInterval?: never; port?: number }
  | {
    /** A port picked beforehand (e.g. written into the config); a free one otherwise. */
    port?: number;
    /** A whole prometheus.yml; it must not have a top-level `rule_files` or `global` when those options are given. */
    configYaml: string;
    configFile?: never;
    /** Rule files to load (absolute, or relative to the working directory), e.g. the sample stack's. */
    ruleFiles?: string[];
    /** Sets both the scrape and the rule evaluation interval, e.g. '1s'. */
    scrapeInterval?: string;
  };

export interface RunningPrometheus {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:40123 */
  url: string;
  stop(): Promise<void>;
}

export function prometheusBinary(): string {
  return findExecutable(['prometheus'], 'PROMETHEUS_BIN', 'apt-get install prometheus');
}

/** Adds the harness's options to a config text: appended top-level keys, so the YAML needs no parser. */
export function composePrometheusConfig(configYaml: string, ruleFiles: string[] = [], scrapeInterval?: string): string {
  let text = configYaml.endsWith('\n') ? configYaml : `${configYaml}\n`;
  if (ruleFiles.length > 0) {
    if (/^rule_files\s*:/m.test(text)) throw new Error('configYaml already has rule_files: list the rule files there or in ruleFiles, not both');
    // JSON strings are valid YAML scalars, whatever the path contains.
    text += `rule_files:\n${ruleFiles.map((f) => `  - ${JSON.stringify(path.resolve(f))}\n`).join('')}`;
  }
  if (scrapeInterval !== undefined) {
    if (/^global\s*:/m.test(text)) throw new Error('configYaml already has a global section: set scrape_interval there or use scrapeInterval, not both');
    text += `global:\n  scrape_interval: ${scrapeInterval}\n  evaluation_interval: ${scrapeInterval}\n`;
  }
  return text;
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = prometheusBinary();
  const dir = makeTempDir('prometheus');
  let configFile: string;
  if (options.configFile !== undefined) {
    configFile = path.resolve(options.configFile);
  } else {
    configFile = path.join(dir, 'prometheus.yml');
    await writeFile(configFile, composePrometheusConfig(options.configYaml, options.ruleFiles, options.scrapeInterval));
  }
  const port = options.port ?? await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stop = await startUntilReady(binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Without it, generatorURL and external links carry the machine's host name (FACTS.md).
    `--web.external-url=${url}/`,
    '--log.level=warn',
  ], dir, `${url}/-/ready`);
  return { url, stop };
}
