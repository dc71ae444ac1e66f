/**
 * The middleware's own pages (a refused sign-in or step-up, the sign-out confirmation) in English
 * and Canadian French. The language: the signed-in person's `locale` claim, else the browser's
 * `Accept-Language`, else English. Kept here: this package must not depend on the IdP's catalogs.
 */
import type { Request } from 'express';
import type { CallbackFailureReason } from './errors.ts';

export type PageLocale = 'en' | 'fr-CA';

interface PageTexts {
  refusals: Record<CallbackFailureReason, { title: string; message: string }>;
  back: string;
  signOutTitle: string;
  signOutBody: string;
  stay: string;
  signOut: string;
  notConfirmedTitle: string;
  notConfirmedBody: string;
}

const en: PageTexts = {
  refusals: {
    unknown_state: {
      title: 'Sign-in link expired',
      message: 'This sign-in response was already used or has expired. Go back and try again.',
    },
    idp_error: { title: 'Sign-in did not complete', message: 'The sign-in service did not sign you in.' },
    unmet_authentication_requirements: {
      title: '2-Step Verification required',
      message: 'This page needs 2-Step Verification, but the sign-in service could not complete it.',
    },
    acr_not_met: {
      title: '2-Step Verification required',
      message:
        'This page needs a stronger sign-in than the one you completed. If 2-Step Verification is paused for your account, ask a Full Access User to turn it back on.',
    },
    authentication_too_old: {
      title: 'Please verify again',
      message: 'This page needs a recent verification, and the sign-in service returned an older one.',
    },
    subject_mismatch: {
      title: 'Different account',
      message:
        'You verified as a different person than the one signed in here. You are still signed in as before; sign out first to switch accounts.',
    },
    token_exchange_failed: {
      title: 'Sign-in did not complete',
      message: 'The sign-in response could not be verified. Go back and try again.',
    },
  },
  back: 'Back',
  signOutTitle: 'Sign out?',
  signOutBody: 'You are about to sign out of this app.',
  stay: 'Stay signed in',
  signOut: 'Sign out',
  notConfirmedTitle: 'Sign-out not confirmed',
  notConfirmedBody: 'This sign-out did not come from this app. You are still signed in.',
};

// Canadian French for clinic staff (vouvoiement, no « connecté(e) »); a narrow no-break space
// (U+202F) before ? and ; (test/french-texts.test.ts checks the typography).
const frCA: PageTexts = {
  refusals: {
    unknown_state: {
      title: 'Lien de connexion expiré',
      message: 'Cette réponse de connexion a déjà été utilisée ou a expiré. Revenez en arrière et réessayez.',
    },
    idp_error: {
      title: 'Connexion non terminée',
      message: 'Le service de connexion n’a pas ouvert votre session.',
    },
    unmet_authentication_requirements: {
      title: 'Vérification en deux étapes requise',
      message:
        'Cette page exige la vérification en deux étapes, mais le service de connexion n’a pas pu la terminer.',
    },
    acr_not_met: {
      title: 'Vérification en deux étapes requise',
      message:
        'Cette page exige une connexion plus sûre que celle que vous avez faite. Si la vérification en deux étapes est suspendue pour votre compte, demandez à un utilisateur à accès complet de la réactiver.',
    },
    authentication_too_old: {
      title: 'Vérifiez de nouveau',
      message:
        'Cette page exige une vérification récente, et le service de connexion en a renvoyé une plus ancienne.',
    },
    subject_mismatch: {
      title: 'Autre compte',
      message:
        'La vérification a été faite avec le compte d’une autre personne que celle dont la session est ouverte ici. Votre session reste la même\u202f; fermez-la d’abord pour changer de compte.',
    },
    token_exchange_failed: {
      title: 'Connexion non terminée',
      message: 'La réponse de connexion n’a pas pu être vérifiée. Revenez en arrière et réessayez.',
    },
  },
  back: 'Retour',
  signOutTitle: 'Se déconnecter\u202f?',
  signOutBody: 'Vous êtes sur le point de vous déconnecter de cette application.',
  stay: 'Garder ma session ouverte',
  signOut: 'Se déconnecter',
  notConfirmedTitle: 'Déconnexion non confirmée',
  notConfirmedBody: 'Cette déconnexion ne vient pas de cette application. Votre session reste ouverte.',
};

const TEXTS: Record<PageLocale, PageTexts> = { en, 'fr-CA': frCA };

/** `fr`, `fr-CA`, `fr-FR`… read as Canadian French; anything else as English. */
function fromTag(tag: unknown): PageLocale | undefined {
  if (typeof tag !== 'string') return undefined;
  const language = tag.split(/[-_]/)[0]?.toLowerCase();
  return language === 'fr' ? 'fr-CA' : language === 'en' ? 'en' : undefined;
}

/** The language of this request's pages: the person's `locale` claim, else `Accept-Language`, else English. */
export function pageLocale(req: Request, claimLocale?: unknown): PageLocale {
  const fromClaim = fromTag(claimLocale);
  if (fromClaim) return fromClaim;
  // Express's negotiator: q-values honoured; offering `fr` too lets `fr-FR` match.
  const accepted = req.get('accept-language') ? req.acceptsLanguages('en', 'fr-CA', 'fr') : false;
  return fromTag(accepted) ?? 'en';
}

export function pageTexts(locale: PageLocale): PageTexts {
  return TEXTS[locale];
}
