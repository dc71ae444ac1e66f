/**
 * Passkeys (WebAuthn) with @simplewebauthn/server: registration and authentication ceremonies.
 * The caller keeps the challenge of a ceremony (in the sign-in interaction or the account
 * session) and hands it back with the browser's answer; every challenge is used at most once —
 * the first verification takes it in one conditional counter update, so of concurrent
 * verifications of one answer exactly one proceeds.
 */
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { claimsFor } from '../claims.ts';
import type { CoreContext } from '../context.ts';
import { constantTimeEqual } from '../crypto/hashing.ts';
import type { Enrollment } from '../enrollment.ts';
import type { StoredPasskey } from '../ports.ts';
import { throttled } from '../second-factor.ts';
import { secondFactorThrottleKey, throttleStatus } from '../throttle.ts';
import type { ActorContext, StaffMember } from '../types.ts';

/**
 * The WebAuthn library with its ASN.1 parsers, loaded at the first ceremony: it would add about
 * 10 MB to every process at start, and most processes run no passkey ceremony for a long time.
 */
const webauthn = () => import('@simplewebauthn/server');

/** How long the browser may take (and a challenge stays good). */
export const PASSKEY_TIMEOUT_SECONDS = 300;

/** The WebAuthn relying party: its RP ID (a host name) and the origins allowed to answer. */
export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/** The RP ID is the issuer's host name and the one origin is the issuer's origin. */
export function relyingPartyFromIssuer(issuer: string, name: string): RelyingParty {
  const url = new URL(issuer);
  return { id: url.hostname, name, origins: [url.origin] };
}

/** A ceremony's challenge as the caller keeps it between the two requests. */
export interface PasskeyChallenge {
  challenge: string;
  issuedAt: number;
}

/** An authentication answer from the browser, with the challenge kept for it. */
export interface PasskeyAssertion {
  response: unknown;
  challenge: PasskeyChallenge | null | undefined;
  rp: RelyingParty;
}

export type PasskeyFailure =
  /** The answer is not a WebAuthn response, or it does not verify (wrong RP, origin, signature, no user verification). */
  | 'invalid'
  /** The challenge was already used, or is too old. */
  | 'replayed'
  /** The credential is not one of this staff member's passkeys. */
  | 'not_enrolled'
  /** The signature counter went backwards: a cloned authenticator. Audited. */
  | 'cloned';

const ENCODE = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

interface PasskeyUse {
  counter: number;
  backupState: boolean;
}

/** The browser's answer when it has the shape of one (the library checks the rest). */
function asResponse(value: unknown): AuthenticationResponseJSON | null {
  const response = value as AuthenticationResponseJSON | null;
  return typeof response === 'object' && response !== null && typeof response.id === 'string'
    ? response
    : null;
}

/** The answer's user handle is the staff id the passkey was registered with (`userID`). */
function userHandleIs(response: AuthenticationResponseJSON, staffId: string): boolean {
  const handle = response.response?.userHandle;
  if (typeof handle !== 'string') return false;
  return constantTimeEqual(Buffer.from(handle, 'base64url').toString('utf8'), staffId);
}

export function createPasskeys(ctx: CoreContext, parts: { enrollment: Enrollment }) {
  const now = () => ctx.clock.now();

  /** Takes the challenge for this one use: one conditional counter update; false when used or expired. */
  async function takeChallenge(kept: PasskeyChallenge | null | undefined): Promise<boolean> {
    if (!kept || typeof kept.challenge !== 'string' || typeof kept.issuedAt !== 'number') return false;
    const at = now();
    const expiresAt = kept.issuedAt + PASSKEY_TIMEOUT_SECONDS * 1000;
    if (at.getTime() > expiresAt || kept.issuedAt > at.getTime()) return false;
    const key = `passkey-challenge:${kept.challenge}`;
    return (await ctx.stores.counters.increment(key, new Date(expiresAt), at)) === 1;
  }

  const issued = (challenge: string): PasskeyChallenge => ({ challenge, issuedAt: now().getTime() });

  const passkeysOf = async (staff: StaffMember): Promise<StoredPasskey[]> =>
    (await ctx.stores.factors.list(staff.id)).filter((f): f is StoredPasskey => f.kind === 'passkey');

  const descriptor = (p: StoredPasskey) => ({
    id: p.credentialId,
    transports: p.transports as AuthenticatorTransportFuture[],
  });

  /** The signature (for this RP, origin and challenge, user verified) and the clone check. */
  async function check(
    actor: ActorContext,
    staff: StaffMember,
    stored: StoredPasskey,
    response: AuthenticationResponseJSON,
    input: { challenge: PasskeyChallenge | null | undefined; rp: RelyingParty },
  ): Promise<{ ok: true; use: PasskeyUse } | { ok: false; reason: 'invalid' | 'cloned' }> {
    let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>> | null;
    try {
      verified = await (await webauthn()).verifyAuthenticationResponse({
        response,
        expectedChallenge: input.challenge!.challenge,
        expectedOrigin: input.rp.origins,
        expectedRPID: input.rp.id,
        // Counter 0 here: the clone check is ours (below), so it can be told apart and audited.
        credential: {
          ...descriptor(stored),
          publicKey: Buffer.from(stored.publicKey, 'base64url'),
          counter: 0,
        },
        requireUserVerification: true,
      });
    } catch {
      verified = null;
    }
    if (!verified?.verified) return { ok: false, reason: 'invalid' };
    const { newCounter, credentialBackedUp } = verified.authenticationInfo;
    if ((newCounter > 0 || stored.counter > 0) && newCounter <= stored.counter) {
      await ctx.audit.record(actor, {
        clinicId: staff.clinicId,
        type: 'passkey.cloned',
        targetId: staff.id,
        details: { name: stored.name, storedCounter: stored.counter, receivedCounter: newCounter },
      });
      return { ok: false, reason: 'cloned' };
    }
    return { ok: true, use: { counter: newCounter, backupState: credentialBackedUp } };
  }

  /** One update conditional on the counter that was read; a lost race is a replay. */
  async function recordUse(
    staff: StaffMember,
    stored: StoredPasskey,
    use: PasskeyUse,
  ): Promise<{ ok: true; passkey: StoredPasskey } | { ok: false; reason: 'replayed' }> {
    const usedAt = now();
    const recorded = await ctx.stores.factors.recordPasskeyUse(staff.id, stored.id, {
      expectedCounter: stored.counter,
      ...use,
      usedAt,
    });
    if (!recorded) return { ok: false, reason: 'replayed' };
    return { ok: true, passkey: { ...stored, ...use, lastUsedAt: usedAt } };
  }

  /**
   * Verifies an authentication answer from one of the staff member's passkeys. The challenge is
   * taken first (exactly one of concurrent uses proceeds); a counter that does not move forward
   * (when the authenticator counts) is a clone: refused and audited. The use is recorded by one
   * update conditional on the counter read.
   */
  async function authenticate(
    actor: ActorContext,
    staff: StaffMember,
    input: PasskeyAssertion,
  ): Promise<{ ok: true; passkey: StoredPasskey } | { ok: false; reason: PasskeyFailure }> {
    if (!(await takeChallenge(input.challenge))) return { ok: false, reason: 'replayed' };
    const response = asResponse(input.response);
    const stored = response ? await ctx.stores.factors.findPasskey(response.id) : null;
    if (!response || !stored || stored.staffId !== staff.id) return { ok: false, reason: 'not_enrolled' };
    const checked = await check(actor, staff, stored, response, input);
    return checked.ok ? recordUse(staff, stored, checked.use) : checked;
  }

  return {
    /** Options for `navigator.credentials.create` (resident key preferred, user verification required). */
    async registrationOptions(
      staff: StaffMember,
      rp: RelyingParty,
    ): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; challenge: PasskeyChallenge }> {
      const options = await (await webauthn()).generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: staff.email,
        userDisplayName: staff.name,
        userID: new TextEncoder().encode(staff.id),
        timeout: PASSKEY_TIMEOUT_SECONDS * 1000,
        attestationType: 'none',
        excludeCredentials: (await passkeysOf(staff)).map(descriptor),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      });
      return { options, challenge: issued(options.challenge) };
    },

    /** Verifies a registration answer and stores the passkey under `name` (audited, notified). */
    async register(
      actor: ActorContext,
      staff: StaffMember,
      input: {
        response: unknown;
        challenge: PasskeyChallenge | null | undefined;
        rp: RelyingParty;
        name: unknown;
      },
    ): Promise<
      | { ok: true; passkey: StoredPasskey; recoveryCode: string | null }
      | { ok: false; reason: PasskeyFailure | 'invalid_name' | 'duplicate' }
    > {
      if (!(await takeChallenge(input.challenge))) return { ok: false, reason: 'replayed' };
      let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>['registrationInfo'];
      try {
        const result = await (await webauthn()).verifyRegistrationResponse({
          response: input.response as RegistrationResponseJSON,
          expectedChallenge: input.challenge!.challenge,
          expectedOrigin: input.rp.origins,
          expectedRPID: input.rp.id,
          requireUserVerification: true,
        });
        info = result.verified ? result.registrationInfo : undefined;
      } catch {
        info = undefined;
      }
      if (!info) return { ok: false, reason: 'invalid' };
      return parts.enrollment.addPasskey(
        actor,
        staff,
        {
          credentialId: info.credential.id,
          publicKey: ENCODE(info.credential.publicKey),
          counter: info.credential.counter,
          transports: info.credential.transports ?? [],
          backupEligible: info.credentialDeviceType === 'multiDevice',
          backupState: info.credentialBackedUp,
        },
        input.name,
      );
    },

    /** Options for `navigator.credentials.get`, listing the staff member's passkeys. */
    async authenticationOptions(
      staff: StaffMember,
      rp: RelyingParty,
    ): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; challenge: PasskeyChallenge }> {
      const options = await (await webauthn()).generateAuthenticationOptions({
        rpID: rp.id,
        allowCredentials: (await passkeysOf(staff)).map(descriptor),
        userVerification: 'required',
        timeout: PASSKEY_TIMEOUT_SECONDS * 1000,
      });
      return { options, challenge: issued(options.challenge) };
    },

    authenticate,

    /**
     * The second step of sign-in with a passkey: `authenticate` behind the same account throttle
     * as the codes (a slot taken before verifying, given back for what is not a guess; audited
     * `second_factor.succeeded`/`failed` with method `passkey`), and the sign-in's claims: acr
     * `loa:phr`, amr `hwk` (device-bound) or `swk` (synced, backup-eligible).
     */
    async verifySignIn(
      actor: ActorContext,
      staff: StaffMember,
      input: PasskeyAssertion,
    ): Promise<
      | { ok: true; passkey: StoredPasskey; method: 'passkey' | 'synced_passkey'; acr: string; amr: string[] }
      | { ok: false; reason: PasskeyFailure | 'throttled' | 'locked'; retryAt: Date | null }
    > {
      const result = await throttled(ctx, actor, staff, 'passkey', () => authenticate(actor, staff, input));
      if (!result.ok)
        return { ok: false, reason: result.reason, retryAt: 'retryAt' in result ? result.retryAt : null };
      const method = result.passkey.backupEligible ? 'synced_passkey' : 'passkey';
      return { ok: true, passkey: result.passkey, method, ...claimsFor(method) };
    },

    /**
     * Options for a sign-in with a passkey alone: no user and no `allowCredentials`, so the browser
     * offers the discoverable passkeys it holds for this RP (also as autofill, "conditional UI").
     * The same for everyone: nothing here depends on who is signing in.
     */
    async signInOptions(
      rp: RelyingParty,
    ): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; challenge: PasskeyChallenge }> {
      const options = await (await webauthn()).generateAuthenticationOptions({
        rpID: rp.id,
        userVerification: 'required',
        timeout: PASSKEY_TIMEOUT_SECONDS * 1000,
      });
      return { options, challenge: issued(options.challenge) };
    },

    /**
     * A sign-in with a passkey alone (no password): the passkey is found by its credential id and
     * the answer's user handle must be the staff id it was registered for. Then, in this order:
     * the challenge's single use, the signature (user verification required), the clone check,
     * an active staff member in a clinic that still exists, no hard lock (back-off after wrong
     * codes does not apply: a passkey cannot be guessed), and the use recorded conditionally.
     * Refusals of a known passkey are audited (`sign_in.failed`, method passkey).
     */
    async signIn(
      actor: ActorContext,
      input: { response: unknown; challenge: PasskeyChallenge | null | undefined; rp: RelyingParty },
    ): Promise<
      | { ok: true; staff: StaffMember; passkey: StoredPasskey }
      | { ok: false; reason: PasskeyFailure | 'inactive' | 'locked' }
    > {
      if (!(await takeChallenge(input.challenge))) return { ok: false, reason: 'replayed' };
      const response = asResponse(input.response);
      const stored = response ? await ctx.stores.factors.findPasskey(response.id) : null;
      // An unknown credential gets the same answer as a bad signature.
      if (!response || !stored) return { ok: false, reason: 'invalid' };
      const staff = await ctx.stores.staff.get(stored.staffId);
      if (!staff) return { ok: false, reason: 'invalid' };
      const refuse = async (reason: 'invalid' | 'inactive' | 'locked', detail: string = reason) => {
        await ctx.audit.record(actor, {
          clinicId: staff.clinicId,
          type: 'sign_in.failed',
          targetId: staff.id,
          details: { method: 'passkey', reason: detail },
        });
        return { ok: false as const, reason };
      };
      if (!userHandleIs(response, staff.id)) return refuse('invalid', 'user_handle');
      const checked = await check(actor, staff, stored, response, input);
      if (!checked.ok) return checked.reason === 'invalid' ? refuse('invalid') : checked;
      const [clinic, throttle] = await Promise.all([
        ctx.stores.clinics.get(staff.clinicId),
        ctx.stores.throttles.get(secondFactorThrottleKey(staff.id)),
      ]);
      if (!staff.active || !clinic) return refuse('inactive');
      if (throttleStatus(throttle, now(), ctx.config.throttle).kind === 'locked') return refuse('locked');
      const used = await recordUse(staff, stored, checked.use);
      return used.ok ? { ok: true, staff, passkey: used.passkey } : used;
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
