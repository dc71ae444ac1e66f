/**
 * The sign-in pages, account page and admin console in Canadian French (Quebec), for clinic staff:
 * vouvoiement, « courriel », « texto », « vérification en deux étapes », « utilisateur à accès
 * complet ». Exactly the keys of `en` (the type says so; the catalog test also checks the
 * placeholders). Written with ordinary spaces: `typeset` puts the non-breaking ones French
 * typography wants before : ; ! ? » and after «. Apostrophes are typographic (’), which also keeps
 * ICU's quoting (ASCII ' before a brace) out of the way.
 */
import type { MessageKey } from './en.ts';
import { typeset } from './typeset.ts';

export const frCA: Record<MessageKey, string> = typeset<MessageKey>({
  'lang.label': 'Langue',
  'sms.code':
    '{code} est votre code de vérification pour {sender}. Il expire dans {minutes, plural, one {# minute} other {# minutes}}. Ne le communiquez à personne.',
  'common.continue': 'Continuer',
  'common.cancel': 'Annuler la connexion',
  'common.error': 'Une erreur s’est produite',

  'password.title': 'Connexion',
  'password.email': 'Courriel',
  'password.password': 'Mot de passe',
  'password.submit': 'Se connecter',
  'password.invalid': 'Le courriel ou le mot de passe est incorrect.',
  'password.reauth': 'Entrez de nouveau votre mot de passe pour continuer.',
  'password.forgot': 'Mot de passe oublié ?',
  'passkeySignIn.button': 'Se connecter avec une clé d’accès',
  'passkeySignIn.failed':
    'La connexion avec cette clé d’accès n’a pas fonctionné. Réessayez ou connectez-vous avec votre courriel et votre mot de passe.',
  'passkeySignIn.cancelled':
    'Aucune clé d’accès n’a été utilisée. Réessayez ou connectez-vous avec votre courriel et votre mot de passe.',

  'reset.title': 'Réinitialiser votre mot de passe',
  'reset.intro':
    'Entrez l’adresse courriel avec laquelle vous vous connectez. Nous vous enverrons par courriel un lien pour choisir un nouveau mot de passe.',
  'reset.submit': 'M’envoyer un lien par courriel',
  'reset.sentTitle': 'Consultez vos courriels',
  'reset.sent':
    'Si un compte utilise cette adresse, un lien pour choisir un nouveau mot de passe est en route. Il ne fonctionne qu’une fois, pendant {minutes, plural, one {# minute} other {# minutes}}.',
  'reset.sentNext':
    'Votre vérification en deux étapes reste activée : vous entrerez toujours un code à la connexion.',
  'reset.back': 'Retour à la connexion',
  'reset.chooseIntro':
    'Choisissez un nouveau mot de passe pour {email}. Toutes vos sessions seront fermées, puis vous vous connecterez de nouveau.',
  'reset.invalidTitle': 'Ce lien ne fonctionne pas',
  'reset.invalid': 'Ce lien n’est pas valide ou a déjà été utilisé.',
  'reset.expired': 'Ce lien est expiré.',
  'reset.again': 'Demander un nouveau lien',

  'welcome.title': 'Choisissez votre mot de passe',
  'welcome.intro':
    'Bienvenue, {name}. Choisissez un mot de passe pour {email}. Ensuite, vous vous connecterez et configurerez la vérification en deux étapes.',
  'welcome.invalid':
    'Ce lien n’est pas valide ou a déjà été utilisé. Demandez-en un nouveau à un utilisateur à accès complet de votre clinique.',
  'welcome.expired':
    'Ce lien a expiré. Demandez-en un nouveau à un utilisateur à accès complet de votre clinique.',
  'newPassword.label': 'Nouveau mot de passe',
  'newPassword.again': 'Entrez-le de nouveau',
  'newPassword.hint':
    'Au moins {min} caractères. Une phrase de passe faite de quelques mots sans lien entre eux est facile à retenir.',
  'newPassword.submit': 'Enregistrer le mot de passe',
  'newPassword.tooShort': 'Utilisez au moins {min} caractères.',
  'newPassword.tooLong': 'Utilisez au plus {max} caractères.',
  'newPassword.mismatch': 'Les deux mots de passe sont différents.',
  'newPassword.sameAsEmail': 'N’utilisez pas votre adresse courriel comme mot de passe.',

  'paused.title': 'La vérification en deux étapes est suspendue',
  'paused.stepUp':
    'La vérification en deux étapes est suspendue pour votre compte jusqu’au {until}. Cette page l’exige : elle ne peut donc pas s’ouvrir pour le moment.',
  'paused.stepUpAsk':
    'Demandez à un utilisateur à accès complet de votre clinique de réactiver votre vérification en deux étapes, puis ouvrez la page de nouveau.',
  'paused.backTo': 'Retour à {app}',
  'paused.body':
    'La vérification en deux étapes est suspendue pour votre compte jusqu’au {until}. Vous vous connectez avec votre mot de passe seulement.',

  'code.title': 'Vérification en deux étapes',
  'code.intro.totp': 'Entrez le code à 6 chiffres affiché dans votre application d’authentification.',
  'code.intro.sms': 'Nous pouvons envoyer un code à 6 chiffres par texto à votre téléphone.',
  'code.intro.recovery':
    'Entrez votre code de récupération. Il ne sert qu’une fois ; vous en recevrez un nouveau.',
  'code.label': 'Code de vérification',
  'code.recoveryLabel': 'Code de récupération',
  'code.submit': 'Vérifier',
  'code.stepUp.twoFactor':
    'Pour votre sécurité, cette page demande votre code de vérification en deux étapes.',
  'code.stepUp.now': 'Pour votre sécurité, cette page demande un code entré à l’instant.',
  'code.stepUp.minutes':
    'Pour votre sécurité, cette page demande un code entré dans {minutes, plural, one {la dernière minute} other {les # dernières minutes}}.',
  'code.remember': 'Se souvenir de cet appareil pendant {days, plural, one {# jour} other {# jours}}',
  'code.otherMethods': 'Autres façons de vous vérifier',
  'code.method.totp': 'Utiliser mon application d’authentification',
  'code.method.sms': 'Recevoir un code par texto',
  'code.method.recovery': 'Utiliser mon code de récupération',
  'code.method.passkey': 'Utiliser une clé d’accès',
  'code.intro.passkey':
    'Utilisez la clé d’accès de cet ordinateur ou de votre téléphone (empreinte, visage ou NIP). Elle ne fonctionne que sur ce site.',
  'code.passkey.use': 'Utiliser une clé d’accès',
  'code.passkey.needsScript':
    'Une clé d’accès a besoin de JavaScript dans ce navigateur. Choisissez une autre façon ci-dessous.',
  'code.passkey.failed':
    'La clé d’accès n’a pas répondu. Réessayez, ou choisissez une autre façon ci-dessous.',
  'code.passkey.error.invalid':
    'Cette clé d’accès n’a pas pu être vérifiée. Réessayez, ou choisissez une autre façon ci-dessous.',
  'code.passkey.error.replayed': 'Cette demande a expiré. Réessayez.',
  'code.passkey.error.not_enrolled':
    'Cette clé d’accès n’est pas configurée pour votre compte. Essayez-en une autre, ou une autre façon ci-dessous.',
  'code.passkey.error.cloned':
    'Cette clé d’accès a été refusée : elle a peut-être été copiée. Choisissez une autre façon ci-dessous et prévenez un utilisateur à accès complet de votre clinique.',
  'code.stepUp.passkey': 'Pour votre sécurité, cette page demande votre clé d’accès.',
  'phr.title': 'Une clé d’accès est nécessaire',
  'phr.body':
    'L’application d’où vous venez vous demande de confirmer avec une clé d’accès, et votre compte n’en a pas encore. Ajoutez-en une dans la page de votre compte, puis rouvrez l’application.',
  'phr.account': 'Aller à la page de mon compte',
  'phr.back': 'Retour à l’application',
  'enrollPasskey.title': 'Ajouter une clé d’accès',
  'enrollPasskey.body':
    '{clinic} exige que vous vous connectiez avec une clé d’accès : contrairement à un code, un site imitateur ne peut pas s’en servir. Ajoutez-en une maintenant sur cet ordinateur ou votre téléphone ; vous l’utiliserez dès votre prochaine connexion.',
  'enrollPasskey.needsScript':
    'L’ajout d’une clé d’accès demande JavaScript dans ce navigateur. Activez-le, ou demandez de l’aide à un utilisateur à accès complet de votre clinique.',
  'enrollPasskey.failed':
    'La clé d’accès n’a pas été créée. Réessayez ; si ce navigateur ne peut pas en créer, demandez de l’aide à un utilisateur à accès complet de votre clinique.',
  'code.sendSms': 'M’envoyer un code par texto',
  'code.resendSms': 'Envoyer un nouveau code',
  'code.smsSent': 'Nous avons envoyé un code au {phone}. Il expire à {expiresAt}.',
  'code.resendAt': 'Vous pourrez demander un nouveau code après {at}.',
  'code.error.invalid': 'Ce code n’est pas le bon. Vérifiez-le et réessayez.',
  'code.error.malformed': 'Entrez le code tel qu’il est affiché, par exemple 123456.',
  'code.error.replayed': 'Ce code a déjà été utilisé. Attendez le code suivant et réessayez.',
  'code.error.expired': 'Ce code est expiré. Demandez-en un nouveau.',
  'code.error.too_many_attempts': 'Trop d’essais erronés pour ce code. Demandez-en un nouveau.',
  'code.error.no_code': 'Aucun code n’est actif. Demandez-en un nouveau.',
  'code.error.not_enrolled': 'Cette méthode n’est pas configurée pour votre compte.',
  'code.error.throttled': 'Trop de codes erronés. Réessayez après {at}.',
  'code.error.locked':
    'Trop de codes erronés. Demandez à un utilisateur à accès complet de votre clinique de déverrouiller votre compte.',
  'code.error.cooldown': 'Veuillez patienter : vous pourrez demander un nouveau code après {at}.',
  'code.error.quota':
    'Trop de codes ont été envoyés aujourd’hui. Utilisez une autre méthode ou réessayez demain.',
  'code.error.delivery_failed':
    'Nous n’avons pas pu envoyer le texto. Réessayez ou utilisez une autre méthode.',
  'code.error.invalid_phone':
    'Ce n’est pas un numéro de cellulaire auquel nous pouvons envoyer un texto. Vérifiez les chiffres ; depuis un autre pays, commencez par + et l’indicatif du pays.',

  'recovery.title': 'Conservez votre nouveau code de récupération',
  'recovery.body':
    'Votre code de récupération a été utilisé et remplacé. Notez ce nouveau code et gardez-le en lieu sûr : il n’est affiché qu’une seule fois.',
  'recovery.firstBody':
    'Si vous perdez votre téléphone, ce code de récupération vous permet de vous connecter. Notez-le et gardez-le en lieu sûr : il n’est affiché qu’une seule fois.',
  'recovery.ack': 'J’ai conservé mon code de récupération',
  'recovery.ackRequired': 'Confirmez que vous avez conservé votre code de récupération.',
  'recovery.copy': 'Copier',
  'recovery.copied': 'Copié.',
  'recovery.copyFailed': 'La copie n’a pas fonctionné. Sélectionnez le code et copiez-le vous-même.',
  'recovery.print': 'Imprimer',
  'recovery.download': 'Télécharger (.txt)',
  'recovery.file':
    '{site} : code de récupération de la vérification en deux étapes\r\n\r\n{code}\r\n\r\nUtilisez-le une fois pour vous connecter si vous perdez votre téléphone. Gardez-le en lieu sûr.\r\n',
  'newPhone.title': 'Configurez votre nouveau téléphone',
  'newPhone.body':
    'Vous avez utilisé votre code de récupération pour vous connecter. Configurez dès maintenant la vérification en deux étapes sur votre nouveau téléphone pour ne pas avoir besoin du code de récupération la prochaine fois.',
  'newPhone.totp': 'Configurer l’application d’authentification',
  'newPhone.sms': 'Utiliser plutôt les textos',
  'newPhone.skip': 'Pas maintenant',
  'newPhone.skipNote':
    'Si vous le reportez, votre page de compte vous le rappellera jusqu’à ce que ce soit fait.',
  'newPhone.warning':
    'Vous avez utilisé votre code de récupération pour vous connecter le {when}. Configurez votre nouveau téléphone : remplacez l’application d’authentification ou ajoutez les textos ci-dessous.',

  'enroll.title': 'Configurer la vérification en deux étapes',
  'enroll.intro':
    '{clinic} exige la vérification en deux étapes. Choisissez comment vous recevrez vos codes.',
  'enroll.passkeyNext':
    '{clinic} exige aussi une clé d’accès : une fois cette méthode configurée, vous en ajoutez une sur cet ordinateur ou votre téléphone.',
  'enroll.totp': 'Application d’authentification (recommandé)',
  'enroll.sms': 'Texto (SMS)',
  'enroll.grace':
    'Votre compte est nouveau : il vous reste {days, plural, one {# jour} other {# jours}} pour la configurer (jusqu’au {until}). Ensuite, elle sera nécessaire pour vous connecter.',
  'enroll.graceOne':
    'Votre compte est nouveau : il vous reste 1 jour pour la configurer (jusqu’au {until}). Ensuite, elle sera nécessaire pour vous connecter.',
  'enroll.later': 'Plus tard (encore {days, plural, one {# jour} other {# jours}})',
  'enroll.laterOne': 'Plus tard (encore 1 jour)',
  'enroll.totpTitle': 'Configurez votre application d’authentification',
  'enroll.totpScan':
    'Balayez ce code QR avec votre application d’authentification, ou entrez la clé à la main.',
  'enroll.whatIsApp':
    'Une application d’authentification est une application gratuite pour téléphone qui affiche un nouveau code à 6 chiffres toutes les 30 secondes. N’importe laquelle de celles-ci convient : 1Password, Authy, Google Authenticator ou Microsoft Authenticator.',
  'help.link': 'Un problème ?',
  'help.title': 'Un problème pour vous connecter ?',
  'help.intro': 'Pas de code, ou un code qui ne fonctionne pas ? Essayez l’une de ces solutions.',
  'help.recovery': 'Utiliser votre code de récupération',
  'help.recoveryBody':
    'Le code que vous avez conservé lors de la configuration de la vérification en deux étapes. Il ne sert qu’une fois, et vous en recevez un nouveau.',
  'help.sms': 'Recevoir un code par texto',
  'help.smsBody': 'Si votre téléphone peut encore recevoir des textos.',
  'help.clock':
    'Les codes d’une application d’authentification ne fonctionnent plus quand l’horloge du téléphone est déréglée : réglez-la pour qu’elle se mette à jour automatiquement.',
  'help.admins': 'Demandez à un utilisateur à accès complet de {clinic}',
  'help.adminsBody':
    'Cette personne peut suspendre la vérification en deux étapes pour quelques heures, ou la réinitialiser pour que vous la configuriez de nouveau sur un nouveau téléphone :',
  'help.clinicContact': 'Joindre {clinic} : {contact}',
  'help.support': 'Aide pour la connexion : {contact}',
  'help.back': 'Retour au code',
  'enroll.totpSecret': 'Clé',
  'enroll.smsTitle': 'Configurer les textos',
  'enroll.phone': 'Numéro de cellulaire',
  'enroll.phoneHint':
    'Tel que vous le composeriez ici, ou avec + et l’indicatif du pays depuis un autre pays.',
  'enroll.phoneUnderstood':
    'Nous avons compris ce numéro ainsi : {phone}. S’il est erroné, corrigez-le et envoyez de nouveau.',
  'enroll.sendCode': 'Envoyer le code',

  'locked.title': 'La connexion est temporairement bloquée',
  'locked.retry': 'Il y a eu trop de codes erronés. Réessayez après {at}.',
  'locked.admin':
    'Il y a eu trop de codes erronés. Demandez à un utilisateur à accès complet de votre clinique de déverrouiller votre compte.',

  'limit.body': 'Trop de tentatives. Attendez quelques minutes et réessayez.',

  'consent.title': 'Autoriser l’accès',
  'consent.body': '{client} demande l’accès à votre compte ({scopes}).',
  'consent.allow': 'Autoriser',
  'consent.deny': 'Refuser',

  'logout.title': 'Déconnexion',
  'logout.body': 'Voulez-vous vous déconnecter ?',
  'logout.yes': 'Oui, me déconnecter',
  'logout.no': 'Non, garder ma session ouverte',
  'logout.done': 'Votre session est fermée.',

  'error.title': 'Une erreur s’est produite',
  'error.400': 'Cette demande n’est pas valide.',
  'error.403':
    'Ce formulaire est expiré ou n’a pas été envoyé depuis cette page. Revenez en arrière et réessayez.',
  'error.404': 'Page introuvable.',
  'error.413': 'Le formulaire a envoyé trop de données.',
  'error.429': 'Trop de tentatives. Attendez quelques minutes et réessayez.',
  'error.500': 'Une erreur s’est produite de notre côté. Réessayez dans un instant.',
  'error.503': 'La connexion est temporairement indisponible. Réessayez dans un instant.',
  'error.expired': 'Cette connexion est expirée.',
  'error.startAgain': 'Recommencer',
  'error.toAccount': 'Aller à votre page de compte',
  'error.insecureTransport':
    'Ce service de connexion ne répond que par une connexion sécurisée (https), et cette demande n’est pas arrivée ainsi. Ouvrez-le par son adresse https. Pour l’administrateur : si un serveur mandataire TLS transmet les demandes à twostep, réglez le paramètre trustProxy (TWOSTEP_TRUST_PROXY) à l’adresse du serveur mandataire ou au nombre de relais, et faites-lui envoyer l’en-tête X-Forwarded-Proto.',

  // Account security page and clinic admin console (src/console).
  'common.back': 'Retour',
  'console.skip': 'Passer au contenu',
  'console.product': 'Vérification en deux étapes',
  'console.nav': 'Sécurité du compte et de la clinique',
  'console.nav.account': 'Sécurité de mon compte',
  'console.nav.admin': 'Sécurité de la clinique',
  'console.signedInAs': 'Session de {name}',
  'console.signOut': 'Se déconnecter',
  'console.signIn': 'Sécurité du compte',
  'console.signInAgain': 'Se connecter de nouveau',
  'console.backToAccount': 'Retour à la sécurité de mon compte',
  'console.login.expired': 'Cette connexion est expirée ou a été commencée dans un autre onglet.',
  'console.login.cancelled': 'La connexion a été annulée.',
  'console.login.passwordOnlyBody':
    'Si votre clinique n’exige pas encore la vérification en deux étapes, vous pouvez ouvrir votre page de compte avec votre mot de passe seulement et la configurer plus tard.',
  'console.login.passwordOnly': 'Continuer avec mon mot de passe seulement',
  'console.login.failed': 'Nous n’avons pas pu terminer la connexion. Réessayez.',
  'console.fresh.paused':
    'Cette modification demande un code de vérification, mais la vérification en deux étapes est suspendue pour votre compte. Configurez d’abord une méthode, ou demandez à un utilisateur à accès complet de reprendre la vérification en deux étapes.',

  'status.on': 'Activée',
  'status.notEnrolled': 'Non configurée',
  'status.pausedUntil': 'Suspendue jusqu’au {until}',
  'status.throttled': 'Trop de codes erronés (en attente)',
  'status.locked': 'Verrouillé',
  'status.inactive': 'Inactif',
  'method.totp': 'Application d’authentification',
  'method.sms': 'Texto (SMS)',
  'method.passkey': 'Clé d’accès',
  'method.recovery': 'Code de récupération',
  'method.totp_enroll': 'Application d’authentification, à la configuration',
  'method.sms_enroll': 'Texto (SMS), à la configuration',
  'role.full_access': 'Utilisateur à accès complet',
  'role.staff': 'Membre du personnel',

  'account.title': 'Sécurité de mon compte',
  'account.lede':
    'Votre mot de passe est la clé de votre clinique ; la vérification en deux étapes est le code d’alarme qui n’appartient qu’à vous. Gérez ici la façon de prouver que c’est bien vous.',
  'account.status.title': 'Vérification en deux étapes',
  'account.status.methods': 'Méthodes',
  'account.status.none': 'Aucune pour l’instant',
  'account.status.clinic': 'Règle de la clinique',
  'account.status.enforced':
    '{clinic} exige la vérification en deux étapes pour tous les membres du personnel.',
  'account.status.optional': '{clinic} ne l’exige pas encore, mais nous vous la recommandons fortement.',
  'account.status.paused': 'Suspendue jusqu’au',
  'account.pausedNote':
    'Un utilisateur à accès complet a suspendu votre vérification en deux étapes : vous vous connectez avec votre mot de passe seulement. La configuration d’une méthode met fin à la suspension.',
  'account.setupRequired':
    'Configurez une application d’authentification ou les textos pour continuer à vous connecter.',
  'account.setupRecommended':
    'Configurez une application d’authentification ou les textos : cela prend quelques minutes.',
  'account.limited':
    'Vous avez utilisé votre mot de passe seulement pour vous connecter. Vous pouvez configurer une méthode maintenant ; les autres modifications demandent un code de vérification.',
  'account.freshNote':
    'Pour votre sécurité, nous vous demanderons un code de vérification avant toute modification.',
  'account.setUp': 'En place',
  'account.notSetUp': 'À configurer',
  'account.addedOn': 'Ajout : {date}',
  'account.remove': 'Retirer',
  'account.passkey.title': 'Clés d’accès',
  'account.passkey.body':
    'Une clé d’accès vous connecte avec cet ordinateur ou ce téléphone (empreinte, visage ou NIP). Elle ne peut pas servir sur un faux site.',
  'account.passkey.add': 'Ajouter une clé d’accès',
  'account.passkey.setupTitle': 'Ajouter une clé d’accès',
  'account.passkey.name': 'Nom de cette clé d’accès',
  'account.passkey.nameHint': 'Par exemple « Poste de l’accueil » ou « Mon téléphone ».',
  'account.passkey.create': 'Créer la clé d’accès',
  'account.passkey.needsScript':
    'L’ajout d’une clé d’accès a besoin de JavaScript dans ce navigateur. Revenez en arrière et utilisez une autre méthode.',
  'account.passkey.failed': 'La clé d’accès n’a pas été créée. Réessayez, ou revenez en arrière.',
  'account.passkey.error.invalid': 'La clé d’accès n’a pas pu être vérifiée. Recommencez.',
  'account.passkey.error.replayed': 'Cette demande a expiré. Recommencez.',
  'account.passkey.error.not_enrolled': 'La clé d’accès n’a pas pu être vérifiée. Recommencez.',
  'account.passkey.error.cloned': 'La clé d’accès n’a pas pu être vérifiée. Recommencez.',
  'account.passkey.error.invalid_name': 'Entrez un nom pour la clé d’accès.',
  'account.passkey.error.duplicate': 'Cette clé d’accès est déjà enregistrée.',
  'account.passkey.nameColumn': 'Nom',
  'account.passkey.where': 'Conservée',
  'account.passkey.synced': 'Synchronisée avec vos autres appareils',
  'account.passkey.thisDevice': 'Sur cet appareil seulement',
  'account.passkey.named': 'La clé d’accès « {name} »',
  'account.totp.title': 'Application d’authentification',
  'account.totp.body':
    'Des codes d’une application comme 1Password, Authy, Google Authenticator ou Microsoft Authenticator. Recommandé.',
  'account.totp.add': 'Configurer une application d’authentification',
  'account.totp.replace': 'Remplacer l’application d’authentification',
  'account.totp.keepOld':
    'Si vous remplacez une application, l’ancienne fonctionne jusqu’à ce que vous confirmiez la nouvelle.',
  'account.totp.codeLabel': 'Code de votre application d’authentification',
  'account.totp.confirm': 'Confirmer',
  'account.totp.retry': 'Entrez le code actuel de l’application que vous venez d’ajouter.',
  'account.totp.restart': 'Afficher un nouveau code QR',
  'account.sms.title': 'Texto (SMS)',
  'account.sms.body':
    'Nous envoyons un code à 6 chiffres par texto à votre cellulaire quand vous vous connectez.',
  'account.sms.newPhone': 'Nouveau numéro de cellulaire',
  'account.sms.confirmTitle': 'Entrez le code envoyé au {phone}',
  'account.sms.confirm': 'Confirmer le téléphone',
  'account.recovery.title': 'Code de récupération',
  'account.recovery.body':
    'Utilisez-le au lieu d’un code de vérification si vous perdez votre téléphone. Gardez-le en lieu sûr : il ne sert qu’une fois.',
  'account.recovery.regenerate': 'Créer un nouveau code de récupération',
  'account.recovery.afterSetup':
    'Vous recevez un code de récupération lorsque vous configurez votre première méthode.',
  'account.recovery.newBody':
    'Voici votre nouveau code de récupération. Notez-le et gardez-le en lieu sûr : il n’est affiché qu’une seule fois.',
  'account.recovery.oldStops': 'Votre ancien code de récupération ne fonctionne plus.',
  'account.recovery.saved': 'Je l’ai conservé',
  'account.devices.title': 'Appareils mémorisés',
  'account.devices.body':
    'Les navigateurs pour lesquels vous avez choisi « Se souvenir de cet appareil ». Ils n’ont pas à entrer de code jusqu’à leur expiration.',
  'account.devices.device': 'Appareil',
  'account.devices.created': 'Mémorisé le',
  'account.devices.lastUsed': 'Dernière utilisation',
  'account.devices.expires': 'Expiration',
  'account.devices.actions': 'Actions',
  'account.devices.revoke': 'Oublier',
  'account.devices.revokeAll': 'Oublier tous les appareils',
  'account.backToApp': 'Retour à {app}',
  'account.devices.none': 'Aucun appareil mémorisé.',
  'account.sessions.title': 'Ordinateurs connectés',
  'account.sessions.body':
    'Votre session est restée ouverte sur un ordinateur partagé ? « Se déconnecter partout » met fin à votre connexion sur tous les ordinateurs et dans toutes les applications de la clinique, y compris celle-ci.',
  'account.sessions.signOutEverywhere': 'Se déconnecter partout',
  'account.language.title': 'Langue',
  'account.language.body':
    'Ces pages, ainsi que les courriels et les textos qui vous sont envoyés, sont dans la langue que vous choisissez ici.',
  'account.language.label': 'Ma langue',
  'account.language.save': 'Enregistrer',
  'account.events.title': 'Événements de sécurité récents',
  'account.events.none': 'Aucun événement de sécurité pour l’instant.',
  'account.done.totpAdded': 'Votre application d’authentification est configurée.',
  'account.done.smsAdded': 'Votre numéro de cellulaire est configuré.',
  'account.done.removed': 'La méthode a été retirée.',
  'account.done.passkeyAdded': 'Votre clé d’accès est en place.',
  'account.done.passkeyRenamed': 'La clé d’accès a été renommée.',
  'account.passkey.rename': 'Renommer',
  'account.passkey.newName': 'Nouveau nom pour « {name} »',
  'account.passkey.saveName': 'Enregistrer le nom',
  'account.done.deviceRevoked': 'L’appareil a été oublié. Un code lui sera demandé à la prochaine connexion.',
  'account.done.language': 'Votre langue a été enregistrée.',
  'account.done.devicesRevoked': 'Tous les appareils mémorisés ont été oubliés.',
  'account.error.not_enrolled': 'Cette méthode n’est pas configurée.',
  'account.error.last_factor_enforced':
    '{clinic} exige la vérification en deux étapes : vous ne pouvez donc pas retirer votre dernière méthode. Ajoutez d’abord une autre méthode.',
  'account.error.busy': 'Une autre modification de vos méthodes est en cours. Réessayez dans un instant.',
  'account.error.reason_required':
    'Indiquez une raison : elle est consignée et envoyée à vos utilisateurs à accès complet.',
  'account.error.last_passkey_required':
    '{clinic} exige la connexion avec une clé d’accès : vous ne pouvez donc pas retirer votre dernière clé d’accès. Ajoutez d’abord une autre clé d’accès.',
  'account.off.title': 'Désactiver votre vérification en deux étapes ?',
  'account.off.body':
    '{method} est votre seule méthode de vérification en deux étapes. Sans elle, votre mot de passe seul ouvre votre compte, et votre code de récupération et vos appareils mémorisés cessent de fonctionner. Les utilisateurs à accès complet de {clinic} en sont avisés par courriel.',
  'account.off.submit': 'Désactiver la vérification en deux étapes',
  'account.off.keep': 'La garder activée',
  'account.error.recovery_needs_factor':
    'Configurez d’abord une méthode : le code de récupération vient avec elle.',

  'audit.when': 'Date',
  'audit.event': 'Événement',
  'audit.by': 'Par',
  'audit.target': 'Membre du personnel',
  'audit.details': 'Ce qui s’est passé',
  'sentence.noReason': 'aucune raison donnée',
  'sentence.other': '{actor} : {event}',
  'sentence.two_step.paused':
    '{actor} a suspendu la vérification en deux étapes de {target} jusqu’au {until} : « {reason} »',
  'sentence.two_step.resumed':
    '{actor} a mis fin à la suspension de la vérification en deux étapes de {target}',
  'sentence.two_step.reset':
    '{actor} a réinitialisé la vérification en deux étapes de {target} : « {reason} »',
  'sentence.factor.enrolled': '{actor} a ajouté la méthode {method} pour {target}',
  'sentence.factor.enrolled.own': '{actor} a ajouté la méthode de vérification en deux étapes {method}',
  'sentence.factor.removed': '{actor} a retiré la méthode {method} de {target}',
  'sentence.factor.removed.own':
    '{actor} a retiré la méthode {method} de ses méthodes de vérification en deux étapes',
  'sentence.sign_in.succeeded': 'Connexion de {target}',
  'sentence.sign_in.succeeded.later':
    'Connexion de {target}, qui configurera la vérification en deux étapes plus tard (permis jusqu’au {until})',
  'sentence.sign_in.failed': 'Quelqu’un a tenté sans succès de se connecter en tant que {target}',
  'sentence.second_factor.succeeded': '{target} a entré un bon code ({method})',
  'sentence.second_factor.failed': '{target} a entré un code erroné ({method})',
  'sentence.recovery_code.used': '{target} a utilisé son code de récupération pour se connecter',
  'sentence.device.trusted': '{target} a choisi de mémoriser un appareil ({device})',
  'sentence.device.revoked': '{actor} a fait oublier les appareils mémorisés de {target}',
  'sentence.sessions.ended': 'Toutes les sessions de {target} ont été fermées',
  'sentence.account.unlocked': '{actor} a déverrouillé le compte de {target}',
  'sentence.account.locked': 'Le compte de {target} a été verrouillé après trop de codes erronés',
  'sentence.policy.enforcement_on':
    '{actor} a rendu la vérification en deux étapes obligatoire pour toute la clinique',
  'sentence.policy.enforcement_off':
    '{actor} a retiré l’obligation de la vérification en deux étapes pour toute la clinique : « {reason} »',
  'sentence.policy.phishing_resistant_changed':
    '{actor} a changé qui doit se connecter avec une clé d’accès : {from} → {to}',
  'sentence.passkey.renamed': '{actor} a renommé « {from} » en « {to} », une clé d’accès de {target}',
  'sentence.passkey.renamed.own': '{actor} a renommé sa clé d’accès « {from} » en « {to} »',
  'sentence.passkey.required':
    '{target} s’est connecté avec {method} et a dû ajouter une clé d’accès (la clinique en exige une)',
  'sentence.access.denied': '{actor} s’est vu refuser une page réservée à l’accès complet',
  'sentence.access.denied.paused':
    '{actor} n’a pas pu ouvrir une page qui exige la vérification en deux étapes, car elle est suspendue pour cette personne',
  'sentence.staff.created': '{actor} a ajouté {target} au personnel',
  'sentence.staff.password_set': '{target} a choisi un nouveau mot de passe',
  'event.you': 'Vous',
  'event.system': 'Système',
  'event.factor.enrolled': 'Méthode ajoutée',
  'event.factor.removed': 'Méthode retirée',
  'event.passkey.cloned': 'Clé d’accès refusée : elle semble copiée',
  'event.second_factor.succeeded': 'Code accepté',
  'event.second_factor.failed': 'Code erroné',
  'event.second_factor.throttled': 'Code refusé (trop d’essais)',
  'event.recovery_code.issued': 'Code de récupération créé',
  'event.recovery_code.used': 'Code de récupération utilisé',
  'event.device.trusted': 'Appareil mémorisé',
  'event.device.revoked': 'Appareil oublié',
  'event.sessions.ended': 'Déconnexion partout',
  'event.sms.sent': 'Texto envoyé',
  'event.two_step.paused': 'Vérification en deux étapes suspendue',
  'event.two_step.resumed': 'Vérification en deux étapes reprise',
  'event.two_step.reset': 'Vérification en deux étapes réinitialisée',
  'event.account.unlocked': 'Compte déverrouillé',
  'event.account.locked': 'Compte verrouillé',
  'event.policy.enforcement_on': 'Vérification en deux étapes exigée pour toute la clinique',
  'event.policy.enforcement_off': 'Vérification en deux étapes plus exigée pour toute la clinique',
  'event.policy.trusted_devices_changed': 'Réglage « Se souvenir de cet appareil » modifié',
  'event.policy.phishing_resistant_changed': 'Règle des clés d’accès modifiée',
  'event.passkey.renamed': 'Clé d’accès renommée',
  'event.passkey.required': 'Ajout d’une clé d’accès demandé',
  'event.access.denied': 'Accès refusé',
  'event.sign_in.succeeded': 'Connexion',
  'event.sign_in.failed': 'Échec de connexion',

  'admin.title': 'Sécurité de la clinique',
  'admin.lede':
    'Les réglages de sécurité et la vérification en deux étapes de tout le personnel de {clinic}.',
  'admin.sections': 'Sections de la sécurité de la clinique',
  'admin.overview': 'Réglages et personnel',
  'admin.denied':
    'Seuls les utilisateurs à accès complet peuvent ouvrir la console de sécurité de la clinique.',
  'admin.settings.title': 'Réglages de sécurité',
  'admin.enforce.title': 'Exiger la vérification en deux étapes',
  'admin.enforce.on': 'Exigée',
  'admin.enforce.off': 'Non exigée',
  'admin.enforce.onBody':
    'Chaque membre du personnel doit utiliser la vérification en deux étapes ; qui n’a pas de méthode en configure une à sa prochaine connexion.',
  'admin.enforce.offBody':
    'Nous recommandons fortement d’exiger la vérification en deux étapes pour toute la clinique, même pour une pratique solo, afin que chaque connexion soit protégée dès le premier jour.',
  'admin.enforce.turnOn': 'Exiger pour tout le monde',
  'admin.enforce.turnOff': 'Désactiver l’obligation',
  'admin.enforce.keepOn': 'La garder exigée',
  'admin.enforce.offTitle': 'Désactiver l’obligation de la vérification en deux étapes ?',
  'admin.enforce.headsUp': 'Attention :',
  'admin.enforce.warning':
    'Désactiver la vérification en deux étapes rend chaque compte du personnel plus facile à pirater. Cela peut avoir des conséquences sur la conformité ou la réglementation pour votre clinique et nuire à une réclamation d’assurance en cybersécurité. Gardez-la activée à moins d’avoir une raison documentée.',
  'admin.enforce.word': 'DÉSACTIVER',
  'admin.enforce.typeWord': 'Saisissez {word} pour confirmer',
  'admin.enforce.typeHint': 'Cette modification et votre raison sont consignées dans le journal d’audit.',
  'admin.enforce.wrongWord': 'Saisissez exactement {word} pour confirmer.',
  'admin.passkeys.title': 'Exiger une clé d’accès pour se connecter',
  'admin.passkeys.body':
    'Une clé d’accès ne peut pas être hameçonnée : un site imitateur ne peut pas s’en servir. Les membres du personnel visés se connectent avec leur clé d’accès plutôt qu’avec un code ; ceux qui n’en ont pas en ajoutent une à leur prochaine connexion. Le code de récupération reste le dernier recours.',
  'admin.passkeys.label': 'Qui doit se connecter avec une clé d’accès',
  'admin.passkeys.scope.off': 'Personne',
  'admin.passkeys.scope.full_access': 'Utilisateurs à accès complet',
  'admin.passkeys.scope.everyone': 'Tout le monde',
  'admin.passkeys.save': 'Enregistrer',
  'admin.passkeys.narrowTitle': 'Exiger une clé d’accès de moins de personnes ?',
  'admin.passkeys.change': 'Qui doit se connecter avec une clé d’accès : {from} → {to}.',
  'admin.passkeys.warning':
    'Les membres du personnel qui ne sont plus visés pourront de nouveau se connecter avec un code saisi, qu’un site imitateur peut relayer en temps réel. Cela peut avoir des conséquences sur la conformité ou la réglementation pour votre clinique et nuire à une réclamation d’assurance en cybersécurité. Gardez la règle à moins d’avoir une raison documentée.',
  'admin.passkeys.narrow': 'Exiger une clé d’accès de moins de personnes',
  'admin.passkeys.keep': 'Garder la règle',
  'admin.region.title': 'Fuseau horaire et numéros de téléphone',
  'admin.region.body':
    'Les heures affichées dans les pages et les courriels sont celles du fuseau {zone} (maintenant : {now}).',
  'admin.region.country':
    'Les numéros de téléphone entrés sans + sont lus comme des numéros de ce pays : {country}.',
  'admin.region.noCountry': 'Les numéros de téléphone doivent être entrés avec + et l’indicatif du pays.',
  'admin.region.timeZone': 'Fuseau horaire',
  'admin.region.phoneCountry': 'Pays des numéros de téléphone',
  'admin.region.save': 'Enregistrer',
  'admin.language.title': 'Langue',
  'admin.language.body':
    'Les pages, les courriels et les textos sont en {language} pour le personnel qui n’a pas choisi sa propre langue.',
  'admin.language.label': 'Langue de la clinique',
  'admin.language.save': 'Enregistrer',
  'admin.grace.title': 'Délai de configuration pour le nouveau personnel',
  'admin.grace.body':
    'Le nouveau personnel dispose de {days, plural, one {# jour} other {# jours}} après son ajout avant de devoir configurer la vérification en deux étapes. D’ici là, la connexion propose « Plus tard ».',
  'admin.grace.bodyOne':
    'Le nouveau personnel dispose de 1 jour après son ajout avant de devoir configurer la vérification en deux étapes. D’ici là, la connexion propose « Plus tard ».',
  'admin.grace.none':
    'Aucun : le nouveau personnel configure la vérification en deux étapes à sa première connexion.',
  'admin.grace.label': 'Jours (0 pour aucun, au plus 90)',
  'admin.contact.title': 'Coordonnées de votre clinique pour l’aide à la connexion',
  'admin.contact.body':
    'Affichées au personnel sur la page « Un problème ? », à côté des noms de vos utilisateurs à accès complet.',
  'admin.contact.label': 'Coordonnées (un numéro de téléphone ou une adresse courriel)',
  'admin.contact.placeholder': 'Réception : 613-555-0100',
  'admin.devices.title': 'Se souvenir de cet appareil',
  'admin.devices.allowed': 'Permis',
  'admin.devices.notAllowed': 'Non permis',
  'admin.devices.body':
    'Le personnel peut se passer du code pendant 30 jours dans un navigateur qu’il choisit de mémoriser.',
  'admin.devices.allow': 'Permettre',
  'admin.devices.disallow': 'Ne pas permettre',
  'admin.readiness.title': 'État de préparation',
  'admin.readiness.enrolled': 'configuré',
  'admin.readiness.notEnrolled': 'non configuré',
  'admin.readiness.active': 'personnel actif',
  'admin.readiness.enforced':
    '{count, plural, one {# membre du personnel devra configurer la vérification en deux étapes à sa prochaine connexion.} other {# membres du personnel devront configurer la vérification en deux étapes à leur prochaine connexion.}}',
  'admin.readiness.wouldAsk':
    'Si vous exigez la vérification en deux étapes, {count, plural, one {# membre du personnel devra la configurer à sa prochaine connexion.} other {# membres du personnel devront la configurer à leur prochaine connexion.}}',
  'admin.readiness.passkeyMissing':
    'Visés par la règle des clés d’accès, sans clé d’accès pour l’instant : {count}. Chacun en ajoutera une à sa prochaine connexion.',
  'admin.staff.title': 'Personnel',
  'admin.staff.search': 'Rechercher par nom ou courriel',
  'admin.staff.searchButton': 'Rechercher',
  'admin.staff.range': 'Personnel {first} à {last} sur {total}',
  'admin.staff.name': 'Nom',
  'admin.staff.email': 'Courriel',
  'admin.staff.role': 'Rôle',
  'admin.staff.state': 'Vérification en deux étapes',
  'admin.staff.none': 'Aucun membre du personnel ne correspond.',
  'admin.staff.pages': 'Pages du personnel',
  'admin.staff.prev': '← Précédente',
  'admin.staff.next': 'Suivante →',
  'admin.staff.pageOf': 'Page {page} sur {pages}',
  'admin.staff.retryAt': 'Peut réessayer après',
  'admin.staff.events': 'Tous les événements de sécurité de ce membre du personnel',
  'admin.staff.passkeys': 'Clés d’accès',
  'admin.staff.passkeyCount': 'Clés d’accès : {count}',
  'admin.staff.passkeyMissing': 'Clé d’accès requise',
  'admin.staff.noPasskey': 'Aucune',
  'admin.staff.passkeyDates': 'ajoutée le {added}, dernière utilisation : {used}',
  'admin.staff.passkeyNeverUsed': 'jamais',
  'admin.staff.selfNote':
    'Vous ne pouvez pas suspendre ni réinitialiser votre propre vérification en deux étapes : un autre utilisateur à accès complet doit le faire.',
  'admin.reason': 'Raison (consignée dans le journal d’audit)',
  'admin.pause.title': 'Suspendre la vérification en deux étapes',
  'admin.pause.body':
    'Pour une personne qui ne peut pas se connecter (téléphone perdu) : elle se connecte avec son mot de passe seulement jusqu’à la fin de la suspension ou jusqu’à ce qu’elle configure de nouveau une méthode.',
  'admin.pause.hours': 'Heures (au plus {max})',
  'admin.pause.submit': 'Suspendre',
  'admin.resume.submit': 'Reprendre maintenant',
  'admin.reset.title': 'Réinitialiser la vérification en deux étapes',
  'admin.reset.body':
    'Retire toutes les méthodes, le code de récupération et les appareils mémorisés. La personne configurera de nouveau la vérification en deux étapes à sa prochaine connexion.',
  'admin.reset.submit': 'Réinitialiser',
  'admin.unlock.submit': 'Déverrouiller',
  'admin.revoke.submit': 'Oublier les appareils mémorisés',
  'admin.done.staffAdded':
    'Ajout fait. Une invitation à choisir un mot de passe est en route vers cette personne.',
  'admin.done.remindersSent': 'Rappels envoyés à tous ceux qui n’ont pas encore configuré la vérification.',
  'admin.add.title': 'Ajouter un membre du personnel',
  'admin.add.name': 'Nom complet',
  'admin.add.email': 'Courriel',
  'admin.add.role': 'Rôle',
  'admin.add.submit': 'Ajouter et envoyer l’invitation',
  'admin.add.taken': 'Quelqu’un utilise déjà cette adresse courriel.',
  'admin.add.invalidName': 'Entrez un nom (200 caractères au plus).',
  'admin.add.invalidEmail': 'Entrez une adresse courriel, comme dana@clinique.exemple.',
  'admin.remind.button': 'Envoyer un rappel par courriel à tous ceux qui n’ont pas configuré la vérification',
  'admin.remind.none': 'Tout le monde a configuré la vérification : aucun rappel à envoyer.',
  'admin.remind.tooSoon': 'Des rappels ont été envoyés il y a quelques minutes. Réessayez plus tard.',
  'admin.done.enforcementOn': 'La vérification en deux étapes est maintenant exigée pour tout le monde.',
  'admin.done.enforcementOff':
    'La vérification en deux étapes n’est plus exigée. Cette modification a été consignée dans le journal d’audit.',
  'admin.done.devicesSetting': 'Le réglage « Se souvenir de cet appareil » a été enregistré.',
  'admin.done.passkeyRule': 'La règle des clés d’accès a été enregistrée.',
  'admin.done.region': 'Le fuseau horaire et le pays des numéros de téléphone ont été enregistrés.',
  'admin.done.language': 'La langue de la clinique a été enregistrée.',
  'admin.done.grace': 'Le délai de configuration pour le nouveau personnel a été enregistré.',
  'admin.done.contact': 'Les coordonnées de la clinique ont été enregistrées.',
  'admin.done.paused':
    'La vérification en deux étapes est suspendue. La personne et les autres utilisateurs à accès complet ont été avisés.',
  'admin.done.resumed': 'La vérification en deux étapes est de nouveau activée.',
  'admin.done.reset':
    'La vérification en deux étapes a été réinitialisée. La personne et les autres utilisateurs à accès complet ont été avisés.',
  'admin.done.unlocked': 'Le compte a été déverrouillé.',
  'admin.done.devicesRevoked': 'Ses appareils mémorisés ont été oubliés.',
  'admin.error.forbidden': 'Seuls les utilisateurs à accès complet peuvent faire cela.',
  'admin.error.not_found': 'Membre du personnel introuvable.',
  'admin.error.self':
    'Vous ne pouvez pas faire cela à votre propre compte : un autre utilisateur à accès complet doit le faire.',
  'admin.error.reason_required': 'Entrez une raison (500 caractères au plus).',
  'admin.error.invalid_duration': 'Entrez un nombre d’heures entre 1 et 168.',
  'admin.error.invalid_region': 'Choisissez un fuseau horaire et un pays dans les listes.',
  'admin.error.invalid_locale': 'Choisissez une langue dans la liste.',
  'admin.error.invalid_grace': 'Entrez un nombre entier de jours, de 0 à 90.',
  'admin.error.invalid_contact': 'Entrez les coordonnées sur une seule ligne, en 200 caractères au plus.',
  'admin.error.actor_not_enrolled':
    'Configurez d’abord la vérification en deux étapes pour votre propre compte, puis exigez-la pour tout le monde.',
  'admin.error.not_paused': 'La vérification en deux étapes n’est pas suspendue pour ce membre du personnel.',
  'admin.error.invalid_scope': 'Choisissez dans la liste qui doit se connecter avec une clé d’accès.',
  'admin.audit.title': 'Journal d’audit',
  'admin.audit.filters': 'Trouver des événements',
  'admin.audit.staff': 'Membre du personnel',
  'admin.audit.staffHint': 'Nom, courriel ou identifiant',
  'admin.audit.type': 'Événement',
  'admin.audit.anyType': 'Tout événement',
  'admin.audit.from': 'Du',
  'admin.audit.to': 'Au',
  'admin.audit.apply': 'Afficher les événements',
  'admin.audit.exportJsonl': 'Exporter en JSON Lines',
  'admin.audit.exportCsv': 'Exporter en CSV',
  'admin.audit.verify': 'Vérifier l’intégrité',
  'admin.audit.exportNote':
    'Les exportations suivent les filtres. Chaque événement est enchaîné au précédent ; une exportation du journal entier (sans filtre) peut être vérifiée à elle seule.',
  'admin.audit.events': 'Événements',
  'admin.audit.newest':
    'Les {limit} événements correspondants les plus récents ; exportez pour les obtenir tous.',
  'admin.audit.none': 'Aucun événement ne correspond.',
  'admin.audit.noStaff':
    'Aucun membre du personnel de cette clinique ne correspond à ce nom, courriel ou identifiant.',
  'admin.audit.severalStaff':
    'Plusieurs personnes correspondent : {names}. Tapez une plus grande partie du nom, ou l’adresse courriel.',
  'admin.audit.intact':
    'Le journal d’audit est intact : {count, plural, one {# événement vérifié} other {# événements vérifiés}}, chacun enchaîné au précédent.',
  'admin.audit.broken': 'Le journal d’audit a été modifié à l’événement no {seq} : {reason}.',
});
