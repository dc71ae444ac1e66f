/**
 * The demo's pages use the IdP's escaped-by-default templates (`html`, `Html`, `escapeHtml`) and
 * document frame (`htmlDocument`) from `@twostep/oidc-server`; what is the demo's own here is its security headers.
 */
export { escapeHtml, Html, html, htmlDocument } from '@twostep/oidc-server';

/** Security headers for every demo page (what helmet would set): no inline scripts or styles. */
export function securityHeaders(options: { formAction?: string[] } = {}) {
  const csp = [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    // Browsers apply form-action to the redirects after a POST (sign-out goes on to the IdP).
    `form-action 'self'${options.formAction?.length ? ` ${options.formAction.join(' ')}` : ''}`,
  ].join('; ');
  return (
    _req: unknown,
    res: { setHeader(name: string, value: string): unknown },
    next: () => void,
  ): void => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    res.setHeader('X-DNS-Prefetch-Control', 'off');
    next();
  };
}
