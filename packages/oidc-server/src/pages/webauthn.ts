/**
 * The browser half of passkeys: @simplewebauthn/browser served from this origin at
 * `<base>/webauthn.js` (no third-party script), loaded under the page's CSP nonce and only on the
 * pages that ask an authenticator (adding a passkey, using one at sign-in).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type RelyingParty, relyingPartyFromIssuer } from '@twostep/core';
import type { RequestHandler } from 'express';
import type { IdpConfig } from '../config.ts';
import { type Html, html, raw } from './html.ts';

/** The WebAuthn relying party: RP ID the issuer's host name, the one origin the issuer's. */
export const relyingParty = (config: Pick<IdpConfig, 'issuerUrl' | 'siteName'>): RelyingParty =>
  relyingPartyFromIssuer(config.issuerUrl.href, config.siteName);

/** The authenticator's answer as the ceremony script posted it (JSON in the `response` field); null when unreadable. */
export function authenticatorAnswer(posted: string | undefined): unknown {
  try {
    return JSON.parse(posted ?? 'null');
  } catch {
    return null;
  }
}

/** The UMD build (global `SimpleWebAuthnBrowser`), read once; it is not in the package's exports map. */
let browserHelper: string | undefined;
export const serveWebauthnHelper: RequestHandler = (_req, res) => {
  browserHelper ??= readFileSync(
    join(
      dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
      '../dist/bundle/index.umd.min.js',
    ),
    'utf8',
  );
  res.type('application/javascript').set('Cache-Control', 'public, max-age=3600').send(browserHelper);
};

/**
 * Runs the ceremony on the submit of `#passkey-form`: asks the authenticator with the options in
 * `#passkey-options`, puts its answer in the form's `response` field and posts it. Without the
 * helper (no JavaScript) the form stays hidden and `#passkey-nojs` says so.
 */
const ceremonyScript = (call: 'startRegistration' | 'startAuthentication') =>
  `(function(){var f=document.getElementById('passkey-form');if(!f||!window.SimpleWebAuthnBrowser)return;
var s=f.querySelector('[data-status]');f.hidden=false;document.getElementById('passkey-nojs').hidden=true;
f.addEventListener('submit',function(e){if(f.elements.response.value)return;e.preventDefault();s.textContent='';
var o=JSON.parse(document.getElementById('passkey-options').textContent);
SimpleWebAuthnBrowser.${call}({optionsJSON:o}).then(function(r){f.elements.response.value=JSON.stringify(r);f.submit();})
.catch(function(){s.textContent=f.getAttribute('data-failed');});});})();`;

/**
 * The scripts of a page with a passkey ceremony: its options (JSON), the helper, and the script
 * that runs it on `#passkey-form`. `base` is the issuer's path prefix.
 */
export function webauthnScripts(
  nonce: string,
  base: string,
  ceremony: 'register' | 'authenticate',
  optionsJson: string,
): Html {
  const run = ceremonyScript(ceremony === 'register' ? 'startRegistration' : 'startAuthentication');
  return html`<script type="application/json" id="passkey-options" nonce="${nonce}">${raw(optionsJson.replace(/</g, '\\u003c'))}</script>
<script nonce="${nonce}" src="${base}/webauthn.js"></script>
<script nonce="${nonce}">${raw(run)}</script>`;
}
