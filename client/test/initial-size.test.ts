import { describe, expect, it } from 'vitest';
import { describeInitialSize, initialJavaScript } from '../build/initial-size.ts';

describe('initial JavaScript size', () => {
  it('counts the entry and its static imports, not lazy chunks or assets', () => {
    const bundle = {
      'index.js': { type: 'chunk' as const, fileName: 'index.js', isEntry: true, imports: ['vendor.js'], code: 'aaaa' },
      'vendor.js': { type: 'chunk' as const, fileName: 'vendor.js', imports: ['index.js'], code: 'bb' },
      'chart.js': { type: 'chunk' as const, fileName: 'chart.js', imports: ['vendor.js'], code: 'c'.repeat(1000) },
      'index.css': { type: 'asset' as const, fileName: 'index.css' },
    };
    const size = initialJavaScript(bundle, (code) => code.length + 10);
    expect(size).toEqual({ files: ['index.js', 'vendor.js'], bytes: 6, gzipBytes: 26 });
    expect(describeInitialSize({ files: ['a'], bytes: 2048, gzipBytes: 1024 }, 4096)).toBe('initial JavaScript: 2.0 kB, gzip 1.0 kB (1 file; within the 4.0 kB gzip budget)');
    expect(describeInitialSize({ files: ['a', 'b'], bytes: 9000, gzipBytes: 5000 }, 4096)).toContain('OVER');
  });
});
