/**
 * New-browser sign-in alerts. A browser that finished a sign-in carries a marker for that person in
 * the `twostep_seen` cookie (HttpOnly, ~400 days, at most 8 people per browser: a shared front-desk
 * computer): an HMAC of the staff id under the IdP's cookie keys, so it can be neither read nor
 * forged for someone else. A sign-in that completes without that marker and without a valid
 * remembered-device cookie emails the person "New sign-in to your account". The very first sign-in
 * of an account (no earlier `sign_in.succeeded` in the audit log) sends nothing: there is no
 * "before" to compare with. Clearing cookies or a private window counts as a new browser.
 */
import { deviceLabel, deviceParts, type SignInMethod, type StaffMember } from '@twostep/core';
import type { Request, Response } from 'express';
import { clinicSite, type Deps, readCookie } from './context.ts';

const COOKIE = 'twostep_seen';
const MAX_PEOPLE = 8;
const MAX_AGE_MS = 400 * 86_400_000;

/**
 * Before the sign-in of `staff` is finished: emails the alert when this browser is new to them
 * (not awaited: the email never holds up the sign-in), and marks the browser as seen.
 */
export async function noteSignInBrowser(
  deps: Deps,
  req: Request,
  res: Response,
  staff: StaffMember,
  method: SignInMethod,
): Promise<void> {
  const subject = `seen-browser:${staff.id}`;
  const markers = (readCookie(req, COOKIE) ?? '').split('.').filter((m) => /^[\w-]{1,128}$/.test(m));
  const seen = markers.some((m) => deps.csrf.verify(subject, 'seen-browser', m));
  if (!seen && method !== 'trusted_device' && !(await rememberedHere(deps, req, staff))) {
    const signedInBefore = await deps.stores.audit.exists(staff.clinicId, {
      actorOrTargetId: staff.id,
      types: ['sign_in.succeeded'],
    });
    if (signedInBefore) void alert(deps, req, staff);
  }
  const mine = deps.csrf.token(subject, 'seen-browser');
  const kept = [mine, ...markers.filter((m) => !deps.csrf.verify(subject, 'seen-browser', m))];
  res.cookie(COOKIE, kept.slice(0, MAX_PEOPLE).join('.'), {
    httpOnly: true,
    secure: deps.config.secureCookies,
    sameSite: 'lax',
    path: `${deps.config.basePath}/interaction`,
    maxAge: MAX_AGE_MS,
  });
}

async function rememberedHere(deps: Deps, req: Request, staff: StaffMember): Promise<boolean> {
  const token = readCookie(req, deps.config.deviceCookieName);
  return token !== undefined && (await deps.twostep.devices.check(token, staff.id)) !== null;
}

/**
 * The browser for the alert: `device` in English words ("Chrome on Windows"), and its parts
 * (`deviceBrowser`, `deviceOs`; `deviceUnknown` when there is none) for the email's own language.
 */
function deviceParams(userAgent: string | undefined): Record<string, string> {
  const parts = deviceParts(userAgent);
  if (!parts) return { device: deviceLabel(userAgent), deviceUnknown: 'yes' };
  return {
    device: deviceLabel(userAgent),
    deviceBrowser: parts.browser,
    ...(parts.os ? { deviceOs: parts.os } : {}),
  };
}

async function alert(deps: Deps, req: Request, staff: StaffMember): Promise<void> {
  try {
    const { siteName, timeZone } = await clinicSite(deps, staff);
    await deps.twostep.notify({
      kind: 'new_device_sign_in',
      to: { staffId: staff.id, email: staff.email, name: staff.name },
      clinicName: siteName,
      timeZone,
      params: { ...deviceParams(req.get('user-agent')), ip: req.ip ?? '' },
    });
  } catch (error) {
    deps.logger.error('new-browser alert not sent', { staffId: staff.id, error });
  }
}
