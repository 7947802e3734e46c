// The rule that keeps a post-mortem's preview from loading images from another host (a beacon that
// tells that host who read the post-mortem), tried with the ways people write such URLs and the ways
// the browser's own URL parser reads them.
import { describe, expect, it } from 'vitest';
import { hostOf, loadsFromPage } from '../src/lib/resource-origin.ts';

const PAGE = 'https://vigil.example.com:8443/incidents/inc_1/postmortem';

describe('loadsFromPage', () => {
  it('keeps images from Vigil itself, however the address is written', () => {
    for (const url of ['/api/incidents/inc_1/chart.png', 'chart.png', '../x.png', 'https://vigil.example.com:8443/x.png', '?v=1', ' /x.png ',
      'https:other.host/x.png']) { // the page's own scheme without slashes is a path, not a host
      expect(loadsFromPage(url, PAGE), url).toBe(true);
    }
  });

  it('keeps inline raster images, not inline SVG or other data', () => {
    expect(loadsFromPage('data:image/png;base64,iVBORw0KGgo=', PAGE)).toBe(true);
    expect(loadsFromPage('data:image/gif,GIF89a', PAGE)).toBe(true);
    expect(loadsFromPage('data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"/>', PAGE)).toBe(false);
    expect(loadsFromPage('data:text/html,<script>alert(1)</script>', PAGE)).toBe(false);
  });

  it('drops every other origin: other hosts, ports and schemes, and the parser\'s tricks', () => {
    const foreign = [
      'https://other.host/pixel.png?who=me',
      'http://vigil.example.com:8443/x.png', // another scheme is another origin
      'https://vigil.example.com/x.png', // another port
      'https://vigil.example.com.evil.test/x.png',
      '//other.host/pixel.png', // scheme-relative
      'http:other.host/pixel.png', // another scheme without slashes names a host
      '\\\\other.host\\pixel.png', // backslashes are slashes in http(s) URLs
      '/\\other.host/pixel.png',
      '\t//other.host/p.png',
      '//oth\ner.host/p.png', // a newline inside is dropped by the parser, not by a naive check
      'https://user:pass@other.host/p.png',
      'blob:https://other.host/1234',
      'ftp://other.host/p.png',
      'javascript:alert(1)',
      'http://[::1/',
    ];
    for (const url of foreign) expect(loadsFromPage(url, PAGE), JSON.stringify(url)).toBe(false);
  });

  it('names the host an image would have come from', () => {
    expect(hostOf('//other.host/p.png', PAGE)).toBe('other.host');
    expect(hostOf('https://other.host:444/p.png', PAGE)).toBe('other.host:444');
    expect(hostOf('http://[::1/', PAGE)).toBe('an address that does not parse');
  });
});
