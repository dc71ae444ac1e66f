import { t } from '../messages/index.ts';
import { html, raw } from './html.ts';
import { layout, type PageContext } from './layout.ts';

/** An error with a way forward: `next` is a link (e.g. "Start again") shown under the message. */
export function errorPage(ctx: PageContext, message: string, next?: { href: string; label: string }): string {
  const forward = next ? html`<p><a class="button" href="${next.href}">${next.label}</a></p>` : '';
  return layout(ctx, t('error.title'), html`<p role="alert">${message}</p>${forward}`);
}

/**
 * Where an error page sends people on: after an expired sign-in, the app's own sign-in address
 * (`initiate_login_uri` of its registration) when the app is known, else the account page, which
 * starts a new sign-in; after anything else, the account page.
 */
export function wayForward(
  basePath: string,
  kind: 'expired' | 'other',
  appSignIn?: string,
): { href: string; label: string } {
  if (kind === 'expired') return { href: appSignIn ?? `${basePath}/account`, label: t('error.startAgain') };
  return { href: `${basePath}/account`, label: t('error.toAccount') };
}

export function messagePage(ctx: PageContext, title: string, message: string): string {
  return layout(ctx, title, html`<p>${message}</p>`);
}

/** `form` is oidc-provider's own logout form (it carries its xsrf field); the buttons submit it. */
export function logoutPage(ctx: PageContext, providerForm: string, answered = false): string {
  // Already answered on the account page: "yes" is sent at once (the buttons stay, without script).
  const submit = answered
    ? html`<script nonce="${ctx.nonce}">${raw(
        "(function(){var f=document.getElementById('op.logoutForm');if(!f)return;var i=document.createElement('input');i.type='hidden';i.name='logout';i.value='yes';f.appendChild(i);f.submit();})();",
      )}</script>`
    : html``;
  const body = html`<p>${t('logout.body')}</p>
${raw(providerForm)}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">${t('logout.yes')}</button>
<button type="submit" form="op.logoutForm" class="secondary">${t('logout.no')}</button>${submit}`;
  return layout(ctx, t('logout.title'), body);
}
