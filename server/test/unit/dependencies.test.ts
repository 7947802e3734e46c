// The direction of dependencies in server/src, read from the import statements themselves: the
// contract (which the client ships) imports nothing from the server, and no module reaches itself
// again through its imports, types included.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file names: `import … from`, `export … from`, `import('…')`, `import '…'`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) if (m[1]) found.push(m[1]);
  return found;
}

/** The server's own files a file imports (relative specifiers), as paths under src/. */
function localImports(file: string): string[] {
  const paths = specifiers(readFileSync(file, 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(SRC, resolve(dirname(file), s)));
  return [...new Set(paths)];
}

function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

describe('server/src dependencies', () => {
  const files = sourceFiles(SRC);
  const graph = new Map(files.map((f) => [relative(SRC, f), localImports(f)]));

  it('reads the import statements it is meant to check', () => {
    expect(graph.get('store/types.ts')).toContain('contract/index.ts');
    expect(specifiers(`import type { A } from './a.ts';\nexport * from "./b.ts";\nconst c = await import('./c.ts');`)).toEqual(['./a.ts', './b.ts', './c.ts']);
  });

  it('the contract imports nothing but itself: no server module, no package', () => {
    const contract = files.filter((f) => relative(SRC, f).startsWith('contract/'));
    expect(contract.length).toBeGreaterThan(0);
    const outside = contract.flatMap((f) => specifiers(readFileSync(f, 'utf8'))
      .filter((s) => !s.startsWith('./') || s.includes('/', 2))
      .map((s) => `${relative(SRC, f)} → ${s}`));
    expect(outside).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });
});
