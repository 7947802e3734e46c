// Security headers (helmet) with a strict Content-Security-Policy: the built client loads only its
// own scripts, styles, images and fonts, and talks only to its own origin (HTTP and socket.io's
// WebSocket). No 'unsafe-inline' or 'unsafe-eval' anywhere; e2e/security-csp.test.ts checks the
// built client runs under it without a single violation.
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  // 'self' covers same-origin ws:/wss: (CSP 3), so the socket.io upgrade needs nothing wider.
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'manifest-src': ["'self'"],
  'worker-src': ["'self'"],
} as const;

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(Object.entries(CONTENT_SECURITY_POLICY).map(([k, v]) => [k, [...v]])),
    },
    // Vigil is often reached over plain HTTP on an internal network; HSTS belongs to the TLS proxy in front.
    strictTransportSecurity: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
