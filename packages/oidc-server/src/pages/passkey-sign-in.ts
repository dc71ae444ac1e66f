/**
 * "Sign in with a passkey" on the password page: a passkey alone, no password. Progressive
 * enhancement — the form is `hidden` and only the page's nonce'd script shows it, when the browser
 * has WebAuthn; without JavaScript the page is the plain password form. Where the browser offers
 * passkeys as autofill (conditional UI), the email field's `webauthn` autocomplete token lets it
 * list them, and the script starts that request on load.
 */
import { t } from '../messages/index.ts';
import { type Html, html, raw } from './html.ts';
import type { StepContext } from './sign-in.ts';

/** What the page needs: the WebAuthn request options (JSON) and their challenge, sealed. */
export interface PasskeyOffer {
  optionsJson: string;
  challenge: string;
}

/**
 * The button asks the authenticator (a modal request, which also cancels a pending autofill
 * request); autofill, where supported, asks on load. Either answer goes into the form's `response`
 * field and the form is posted. A failure or a cancel says so and leaves the password form as is.
 */
const SCRIPT = `(function(){var W=window.SimpleWebAuthnBrowser,f=document.getElementById('passkey-sign-in');
if(!f||!W||!W.browserSupportsWebAuthn())return;
var o=JSON.parse(document.getElementById('passkey-sign-in-options').textContent),s=f.querySelector('[data-status]');
function send(r){f.elements.response.value=JSON.stringify(r);f.submit();}
f.hidden=false;
f.addEventListener('submit',function(e){if(f.elements.response.value)return;e.preventDefault();s.textContent='';
W.startAuthentication({optionsJSON:o}).then(send).catch(function(){s.textContent=f.getAttribute('data-failed');});});
W.browserSupportsWebAuthnAutofill().then(function(ok){if(ok)return W.startAuthentication({optionsJSON:o,useBrowserAutofill:true}).then(send);}).catch(function(){});})();`;

export function passkeySignIn(ctx: StepContext, offer: PasskeyOffer): Html {
  const issuerBase = ctx.base.slice(0, ctx.base.lastIndexOf('/interaction/'));
  return html`<form method="post" action="${ctx.base}/passkey" id="passkey-sign-in" hidden data-failed="${t('passkeySignIn.cancelled')}" novalidate>
<input type="hidden" name="csrf" value="${ctx.csrf('passkey-sign-in')}">
<input type="hidden" name="challenge" value="${offer.challenge}">
<input type="hidden" name="response" value="">
<button type="submit" class="secondary">${t('passkeySignIn.button')}</button>
<p class="muted" data-status role="status"></p>
</form>
<script type="application/json" id="passkey-sign-in-options" nonce="${ctx.nonce}">${raw(offer.optionsJson.replace(/</g, '\\u003c'))}</script>
<script nonce="${ctx.nonce}" src="${issuerBase}/webauthn.js"></script>
<script nonce="${ctx.nonce}">${raw(SCRIPT)}</script>`;
}
