// The headers every answer of the browser-mode server carries, and the page shown to a request
// without the token.

/** Content-Security-Policy of the wizard page: nothing from anywhere but this server. */
export function contentSecurityPolicy(port: number, inlineStyles: boolean): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self'${inlineStyles ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(port: number, inlineStyles: boolean): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port, inlineStyles),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

/** What a browser shows when the address lacks the token (or carries an old one). */
export function forbiddenPage(): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Modem Rescue</title></head>',
    '<body><h1>Modem Rescue</h1>',
    '<p>This address is missing its access key. Open the full address that <code>modem-rescue serve</code>',
    '(or <code>npm start</code>) printed in the terminal: it ends in <code>?token=...</code>.',
    'A new address is printed each time the server starts.</p>',
    '</body></html>',
    '',
  ].join('\n');
}
