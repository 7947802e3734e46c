// Starts fake-prometheus-server.ts in its own process on a free loopback port (see that file).
import path from 'node:path';
import { freePort } from './ports.ts';
import { startProcess, waitForHttp, type TrackedProcess } from './resources.ts';

export interface FakePrometheus {
  url: string;
  proc: TrackedProcess;
  setMode(mode: { series?: number; points?: number; hugePoll?: boolean; drip?: boolean }): Promise<void>;
  seen(): Promise<Array<{ path: string; authorization: string | null; limit: string | null; timeout: string | null }>>;
  stop(): Promise<void>;
}

export async function startFakePrometheus(options: { auth?: string } = {}): Promise<FakePrometheus> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(process.execPath, [path.join(import.meta.dirname, 'fake-prometheus-server.ts')], {
    env: { ...process.env, PORT: String(port), ...(options.auth ? { FAKE_AUTH: options.auth } : {}) },
  });
  await waitForHttp(`${url}/-/ready`, proc, 15_000);
  return {
    url,
    proc,
    setMode: async (mode) => {
      const res = await fetch(`${url}/__mode`, { method: 'POST', body: JSON.stringify(mode) });
      await res.text();
    },
    seen: async () => (await fetch(`${url}/__seen`)).json() as Promise<Awaited<ReturnType<FakePrometheus['seen']>>>,
    stop: () => proc.stop(5_000),
  };
}
