/**
 * `/account/passkey`: adding a passkey. `start` renders a page with the WebAuthn options and the
 * challenge sealed (bound to this person) in a hidden field; @simplewebauthn/browser (see
 * pages/webauthn.ts) asks the authenticator and posts the answer to `finish`, which verifies it in
 * core (the challenge is used once there).
 */
import type { PasskeyChallenge } from '@twostep/core';
import { authenticatorAnswer, relyingParty } from '../pages/webauthn.ts';
import { t } from '../messages/index.ts';
import {
  actorOf,
  type ConsoleHandler,
  type ConsoleRequest,
  field,
  requireFresh,
  sendPage,
} from './context.ts';
import { passkeySetupView, recoveryShownView } from './pages/account.ts';

const SEAL_PURPOSE = 'passkey-registration';

const rpOf = (c: ConsoleRequest) => relyingParty(c.deps.config);

export const startPasskey: ConsoleHandler = async (c) => {
  if (!(await requireFresh(c, '/account', { enrolling: true }))) return;
  const { options, challenge } = await c.deps.twostep.passkeys.registrationOptions(c.staff, rpOf(c));
  const sealed = c.deps.sealer.seal(SEAL_PURPOSE, { staffId: c.staff.id, ...challenge });
  sendPage(c.res, 200, passkeySetupView(c.page, { options: JSON.stringify(options), sealed }));
};

export const finishPasskey: ConsoleHandler = async (c) => {
  if (!(await requireFresh(c, '/account', { enrolling: true }))) return;
  const kept = c.deps.sealer.open<PasskeyChallenge & { staffId: string }>(
    SEAL_PURPOSE,
    field(c.req, 'challenge'),
  );
  const response = authenticatorAnswer(field(c.req, 'response'));
  const result = await c.deps.twostep.passkeys.register(actorOf(c), c.staff, {
    response,
    challenge: kept && kept.staffId === c.staff.id ? kept : null,
    rp: rpOf(c),
    name: field(c.req, 'name'),
  });
  if (!result.ok) {
    return sendPage(
      c.res,
      400,
      passkeySetupView(c.page, { error: t(`account.passkey.error.${result.reason}`) }),
    );
  }
  if (result.recoveryCode) return sendPage(c.res, 200, recoveryShownView(c.page, result.recoveryCode, true));
  c.res.redirect(303, `${c.deps.config.basePath}/account?done=passkey_added`);
};
