import { t } from '../messages/index.ts';
import { html, raw } from './html.ts';
import { layout, type PageContext } from './layout.ts';

export function errorPage(ctx: PageContext, message: string): string {
  return layout(ctx, t('error.title'), html`<p role="alert">${message}</p>`);
}

export function messagePage(ctx: PageContext, title: string, message: string): string {
  return layout(ctx, title, html`<p>${message}</p>`);
}

/** `form` is oidc-provider's own logout form (it carries its xsrf field); the buttons submit it. */
export function logoutPage(ctx: PageContext, providerForm: string): string {
  const body = html`<p>${t('logout.body')}</p>
${raw(providerForm)}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">${t('logout.yes')}</button>
<button type="submit" form="op.logoutForm" class="secondary">${t('logout.no')}</button>`;
  return layout(ctx, t('logout.title'), body);
}
