/**
 * Signing in at the IdP's HTML forms, as a person does, with either form browser
 * (`Browser` of ./browser.ts or `NavBrowser` of ./nav-browser.ts).
 *
 * @example
 * ```ts
 * const codePage = await submitPassword(browser, page, idp.staff.owner);
 * const done = await submitTotp(browser, codePage, idp.nextTotpCode(idp.staff.owner.totpSecret!));
 * ```
 */

/** What both form browsers offer: submitting the IdP form whose action ends with `actionSuffix`. */
export interface FormSubmitter<P> {
  submit(page: P, actionSuffix: string, fields?: Record<string, string>): Promise<P>;
}

/** At the IdP's password page: `who`'s email and password, submitted (redirects followed). */
export function submitPassword<P>(
  browser: FormSubmitter<P>,
  page: P,
  who: { email: string; password: string },
): Promise<P> {
  return browser.submit(page, '/password', { email: who.email, password: who.password });
}

/** At the IdP's code page: the authenticator `code`, submitted (`extra`: more fields, e.g. `remember`). */
export function submitTotp<P>(
  browser: FormSubmitter<P>,
  page: P,
  code: string,
  extra: Record<string, string> = {},
): Promise<P> {
  return browser.submit(page, '/verify', { method: 'totp', code, ...extra });
}

/** At the IdP's password page: `who`'s password, then `who`'s next authenticator code on `idp`'s clock. */
export async function signInWithTotp<P>(
  browser: FormSubmitter<P>,
  page: P,
  idp: { nextTotpCode(secret: string): string },
  who: { email: string; password: string; totpSecret?: string },
): Promise<P> {
  const codePage = await submitPassword(browser, page, who);
  return submitTotp(browser, codePage, idp.nextTotpCode(who.totpSecret!));
}

/**
 * After a sign-in with the recovery code: the new code acknowledged, then the "Set up your new
 * phone" page that the first such sign-in shows skipped (a later one goes straight through).
 */
export async function acknowledgeRecoveryCode<P extends { body: string }>(
  browser: FormSubmitter<P>,
  shown: P,
): Promise<P> {
  const next = await browser.submit(shown, '/acknowledge', { ack: 'yes' });
  return next.body.includes('Set up your new phone') ? browser.submit(next, '/new-phone/skip') : next;
}
