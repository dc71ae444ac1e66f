/**
 * The security emails in Canadian French (Quebec): the same kinds and placeholders as
 * `messagesEn` (the catalog test checks them), vouvoiement, French typography (`typeset`).
 */
import type { NotificationKind } from '@twostep/core';
import { typesetFrench } from '../messages/typeset.ts';
import type { MessageCatalog, NotificationTemplate } from './messages.ts';

const ADVICE_SELF =
  'Si ce n’était pas vous, communiquez sans tarder avec l’utilisateur à accès complet de votre clinique : quelqu’un d’autre connaît peut-être votre mot de passe.';
const ADVICE_ADMIN_ACTION =
  'Si vous ne vous y attendiez pas, communiquez avec l’utilisateur à accès complet de votre clinique.';
const ADVICE_COLLEAGUE =
  'Si vous ne vous y attendiez pas, vérifiez auprès de {actor} ou d’un autre utilisateur à accès complet de {clinic}.';

const templates: Record<NotificationKind, NotificationTemplate> = {
  factor_added: {
    subject: 'Méthode de vérification en deux étapes ajoutée',
    paragraphs: [
      'Une méthode a été ajoutée à la vérification en deux étapes de votre compte {clinic} le {when} : {factor}.',
    ],
    advice: ADVICE_SELF,
  },
  factor_replaced: {
    subject: 'Méthode de vérification en deux étapes remplacée',
    paragraphs: [
      'Une méthode de vérification de votre compte {clinic} a été remplacée par une nouvelle le {when} : {factor}. L’ancienne ne fonctionne plus.',
    ],
    advice: ADVICE_SELF,
  },
  factor_removed: {
    subject: 'Méthode de vérification en deux étapes retirée',
    paragraphs: [
      'Une méthode a été retirée de la vérification en deux étapes de votre compte {clinic} le {when} : {factor}.',
    ],
    advice: ADVICE_SELF,
  },
  recovery_code_used: {
    subject: 'Votre code de récupération a été utilisé',
    paragraphs: [
      'Votre code de récupération a servi à vous connecter à votre compte {clinic} le {when}.',
      'Un nouveau code de récupération a été affiché à cette connexion ; l’ancien ne fonctionne plus.',
    ],
    advice: ADVICE_SELF,
  },
  two_step_paused: {
    subject: 'Vérification en deux étapes suspendue',
    paragraphs: [
      '{actor} a suspendu la vérification en deux étapes de votre compte {clinic} le {when}.',
      'Jusqu’au {until}, vous vous connectez avec votre mot de passe seulement. La configuration d’une méthode de vérification met fin à la suspension plus tôt.',
      'Raison donnée : {reason}',
    ],
    advice: ADVICE_ADMIN_ACTION,
  },
  two_step_resumed: {
    subject: 'La vérification en deux étapes est de nouveau activée',
    paragraphs: [
      '{actor} a mis fin à la suspension de la vérification en deux étapes de votre compte {clinic} le {when}.',
      'La deuxième étape vous sera de nouveau demandée à votre prochaine connexion.',
    ],
    advice: ADVICE_ADMIN_ACTION,
  },
  two_step_reset: {
    subject: 'Vérification en deux étapes réinitialisée',
    paragraphs: [
      '{actor} a réinitialisé la vérification en deux étapes de votre compte {clinic} le {when}.',
      'Vos méthodes de vérification, votre code de récupération et vos appareils mémorisés ont été retirés. Vous configurerez de nouveau la vérification en deux étapes à votre prochaine connexion.',
      'Raison donnée : {reason}',
    ],
    advice: ADVICE_ADMIN_ACTION,
  },
  colleague_paused: {
    subject: 'Vérification en deux étapes suspendue pour {colleague}',
    paragraphs: [
      '{actor} a suspendu la vérification en deux étapes de {colleague} le {when}, jusqu’au {until}.',
      'Raison donnée : {reason}',
      'Vous recevez ce message parce que vous êtes utilisateur à accès complet de {clinic}.',
    ],
    advice: ADVICE_COLLEAGUE,
  },
  welcome: {
    subject: 'Votre compte : choisissez votre mot de passe',
    paragraphs: [
      'Un compte à {clinic} a été créé pour vous le {when}, à titre d’utilisateur à accès complet.',
      'Choisissez votre mot de passe avec ce lien avant le {until}. Il ne fonctionne qu’une fois :',
      '{url}',
      'Ensuite, la connexion vous demandera de configurer la vérification en deux étapes (une application d’authentification ou les textos).',
    ],
    advice:
      'Si vous ne vous y attendiez pas, n’utilisez pas le lien et prévenez la personne qui a configuré la connexion de {clinic}.',
  },
  password_reset_link: {
    subject: 'Réinitialiser votre mot de passe',
    paragraphs: [
      'Quelqu’un a demandé la réinitialisation du mot de passe de votre compte {clinic} le {when}.',
      'Choisissez un nouveau mot de passe avec ce lien avant le {until}. Il ne fonctionne qu’une fois :',
      '{url}',
      'Votre vérification en deux étapes reste activée : vous entrerez toujours un code à votre prochaine connexion.',
    ],
    advice:
      'Si vous n’avez rien demandé, ne tenez pas compte de ce courriel : votre mot de passe reste le même. Si cela se reproduit, prévenez l’utilisateur à accès complet de votre clinique.',
  },
  password_reset: {
    subject: 'Votre mot de passe a été réinitialisé',
    paragraphs: [
      'Le mot de passe de votre compte {clinic} a été réinitialisé avec un lien reçu par courriel le {when}.',
      'Toutes vos sessions ont été fermées et vos appareils mémorisés ont été oubliés.',
    ],
    advice: ADVICE_SELF,
  },
  colleague_password_reset: {
    subject: 'Mot de passe réinitialisé pour {colleague}',
    paragraphs: [
      '{colleague} a réinitialisé son mot de passe avec un lien reçu par courriel le {when}. Toutes ses sessions ont été fermées.',
      'Vous recevez ce message parce que vous êtes utilisateur à accès complet de {clinic}.',
    ],
    advice: 'Si vous ne vous y attendiez pas, vérifiez auprès de {colleague}.',
  },
  staff_invitation: {
    subject: 'Invitation : choisissez votre mot de passe',
    paragraphs: [
      'Le {when}, {actor} vous a envoyé une invitation à vous connecter à {clinic}.',
      'Choisissez votre mot de passe avec ce lien avant le {until}. Il ne fonctionne qu’une fois :',
      '{url}',
      'Ensuite, la connexion vous demandera de configurer la vérification en deux étapes (une application d’authentification ou les textos).',
    ],
    advice: ADVICE_COLLEAGUE,
  },
  setup_reminder: {
    subject: 'Rappel : configurez la vérification en deux étapes',
    paragraphs: [
      'Le {when}, {actor} vous a demandé de configurer la vérification en deux étapes de votre compte {clinic}.',
      'Cela prend deux minutes : connectez-vous ici et suivez les étapes (une application d’authentification ou les textos) :',
      '{url}',
    ],
    advice:
      'Si vous avez besoin d’aide, adressez-vous à {actor} ou à un autre utilisateur à accès complet de {clinic}.',
  },
  new_device_sign_in: {
    subject: 'Nouvelle connexion à votre compte',
    paragraphs: [
      'Quelqu’un s’est connecté à votre compte {clinic} depuis un navigateur jamais vu auparavant ({device}) le {when}.',
    ],
    advice: ADVICE_SELF,
  },
  colleague_reset: {
    subject: 'Vérification en deux étapes réinitialisée pour {colleague}',
    paragraphs: [
      '{actor} a réinitialisé la vérification en deux étapes de {colleague} le {when}. Cette personne la configurera de nouveau à sa prochaine connexion.',
      'Raison donnée : {reason}',
      'Vous recevez ce message parce que vous êtes utilisateur à accès complet de {clinic}.',
    ],
    advice: ADVICE_COLLEAGUE,
  },
  colleague_two_step_off: {
    subject: '{colleague} a désactivé la vérification en deux étapes',
    paragraphs: [
      '{colleague} a retiré sa dernière méthode de vérification en deux étapes le {when} : son compte à {clinic} n’est plus protégé que par un mot de passe.',
      'Raison donnée : {reason}',
      'Vous recevez ce message parce que vous êtes utilisateur à accès complet de {clinic}.',
    ],
    advice:
      'Si vous ne vous y attendiez pas, parlez-en à {colleague}, ou exigez la vérification en deux étapes pour tout le monde dans la console d’administration.',
  },
  enforcement_off: {
    subject: 'La vérification en deux étapes n’est plus exigée',
    paragraphs: [
      '{actor} a retiré l’obligation de la vérification en deux étapes à {clinic} le {when}. Le personnel peut maintenant se connecter avec un mot de passe seulement.',
      'Raison donnée : {reason}',
      'Vous recevez ce message parce que vous êtes utilisateur à accès complet de {clinic}.',
    ],
    advice: ADVICE_COLLEAGUE,
  },
  phishing_resistant_narrowed: {
    subject: 'Moins de membres du personnel doivent se connecter avec une clé d’accès',
    paragraphs: [
      '{actor} a changé qui doit se connecter avec une clé d’accès à {clinic} le {when} : moins de membres du personnel sont visés. Ceux qui ne le sont plus peuvent de nouveau se connecter avec un code saisi, qu’un site imitateur peut hameçonner. La console d’administration indique qui est visé.',
      'Raison donnée : {reason}',
      'Vous recevez ce message parce que vous êtes utilisateur à accès complet de {clinic}.',
    ],
    advice: ADVICE_COLLEAGUE,
  },
  passkey_renamed: {
    subject: 'Clé d’accès renommée',
    paragraphs: [
      'Votre clé d’accès « {from} » de votre compte {clinic} a été renommée « {to} » le {when}. Elle fonctionne comme avant.',
    ],
    advice: ADVICE_SELF,
  },
};

const typesetTemplate = (t: NotificationTemplate): NotificationTemplate => ({
  subject: typesetFrench(t.subject),
  paragraphs: t.paragraphs.map(typesetFrench),
  advice: typesetFrench(t.advice),
});

const ADVICE_SELF_FULL_ACCESS =
  'Si ce n’était pas vous, quelqu’un d’autre connaît peut-être votre mot de passe : changez-le sans tarder (« Mot de passe oublié ? » sur la page de connexion met fin à toutes les sessions), vérifiez ensuite vos méthodes sur votre page de compte et prévenez un autre utilisateur à accès complet de {clinic}.';

export const messagesFrCa: MessageCatalog = {
  locale: 'fr-CA',
  forFullAccess: {
    [typesetFrench(ADVICE_SELF)]: typesetFrench(ADVICE_SELF_FULL_ACCESS),
    [typesetFrench(ADVICE_ADMIN_ACTION)]: typesetFrench(ADVICE_COLLEAGUE),
  },
  subjectPrefix: '[{clinic}] ',
  greeting: 'Bonjour {name},',
  footer: typesetFrench(
    'Ce message de sécurité automatique vient de {clinic}. Les réponses ne sont pas lues.',
  ),
  deviceOn: '{browser} sous {os}',
  factorNames: {
    totp: 'application d’authentification',
    sms: 'texto (SMS)',
    passkeys: 'clés d’accès',
    namedPasskey: typesetFrench('clé d’accès « {name} »'),
  },
  fallbacks: {
    name: 'Madame, Monsieur',
    factor: 'méthode de vérification',
    actor: 'Un utilisateur à accès complet',
    colleague: 'un membre du personnel',
    reason: '(aucune)',
    until: '(inconnu)',
    url: '(demandez un nouveau lien)',
    device: 'navigateur inconnu',
    from: '(inconnu)',
    to: '(inconnu)',
  },
  templates: Object.fromEntries(
    Object.entries(templates).map(([kind, template]) => [kind, typesetTemplate(template)]),
  ) as Record<NotificationKind, NotificationTemplate>,
};
