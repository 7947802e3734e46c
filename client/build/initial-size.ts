// The JavaScript a browser must fetch before the first page shows: the entry chunks and every chunk
// they import statically (dynamic imports load later). Pure, so the build and a test share it.

export interface ChunkLike {
  type: 'chunk' | 'asset';
  fileName: string;
  isEntry?: boolean;
  imports?: readonly string[];
  code?: string;
}

export interface InitialSize {
  files: string[];
  bytes: number;
  gzipBytes: number;
}

export const INITIAL_JS_BUDGET_GZIP_BYTES = 250 * 1024;

export function initialJavaScript(bundle: Record<string, ChunkLike>, gzipSize: (code: string) => number): InitialSize {
  const chunks = new Map(Object.values(bundle).filter((c) => c.type === 'chunk').map((c) => [c.fileName, c]));
  const seen = new Set<string>();
  const queue = [...chunks.values()].filter((c) => c.isEntry).map((c) => c.fileName);
  while (queue.length > 0) {
    const name = queue.shift();
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    for (const dep of chunks.get(name)?.imports ?? []) if (chunks.has(dep)) queue.push(dep);
  }
  const files = [...seen].sort();
  let bytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const code = chunks.get(f)?.code ?? '';
    bytes += new TextEncoder().encode(code).length;
    gzipBytes += gzipSize(code);
  }
  return { files, bytes, gzipBytes };
}

export function describeInitialSize(s: InitialSize, budget = INITIAL_JS_BUDGET_GZIP_BYTES): string {
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} kB`;
  const verdict = s.gzipBytes <= budget ? 'within' : 'OVER';
  return `initial JavaScript: ${kb(s.bytes)}, gzip ${kb(s.gzipBytes)} (${s.files.length} file${s.files.length === 1 ? '' : 's'}; ${verdict} the ${kb(budget)} gzip budget)`;
}
