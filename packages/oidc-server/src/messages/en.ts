/**
 * Every user-facing string of the sign-in pages, keyed. French (or any other
 * language) goes in a sibling file with the same keys.
 */
export const en = {
  'site.title': 'Sign in',
  'common.continue': 'Continue',
  'common.cancel': 'Cancel sign-in',
  'common.error': 'Something went wrong',

  'password.title': 'Sign in',
  'password.email': 'Email',
  'password.password': 'Password',
  'password.submit': 'Sign in',
  'password.invalid': 'The email or password is incorrect.',
  'password.reauth': 'Please enter your password again to continue.',

  'paused.title': '2-Step Verification is paused',
  'paused.body':
    '2-Step Verification is paused for your account until {until}. You are signing in with your password only.',

  'code.title': '2-Step Verification',
  'code.intro.totp': 'Enter the 6-digit code from your authenticator app.',
  'code.intro.sms': 'We can text a 6-digit code to your phone.',
  'code.intro.recovery': 'Enter your recovery code. It can be used once; you will get a new one.',
  'code.label': 'Verification code',
  'code.recoveryLabel': 'Recovery code',
  'code.submit': 'Verify',
  'code.remember': 'Remember this device for {days} days',
  'code.otherMethods': 'Other ways to verify',
  'code.method.totp': 'Use your authenticator app',
  'code.method.sms': 'Text a code to my phone',
  'code.method.recovery': 'Use your recovery code',
  'code.sendSms': 'Text me a code',
  'code.resendSms': 'Send a new code',
  'code.smsSent': 'We sent a code to {phone}. It expires at {expiresAt}.',
  'code.resendAt': 'You can ask for a new code after {at}.',
  'code.error.invalid': 'That code is not right. Check it and try again.',
  'code.error.malformed': 'Enter the code as shown, for example 123456.',
  'code.error.replayed': 'That code was already used. Wait for the next code and try again.',
  'code.error.expired': 'That code has expired. Ask for a new one.',
  'code.error.too_many_attempts': 'Too many wrong tries for this code. Ask for a new one.',
  'code.error.no_code': 'There is no active code. Ask for a new one.',
  'code.error.not_enrolled': 'This method is not set up for your account.',
  'code.error.throttled': 'Too many wrong codes. Try again after {at}.',
  'code.error.locked': 'Too many wrong codes. Ask a Full Access User at your clinic to unlock your account.',
  'code.error.cooldown': 'Please wait: you can ask for a new code after {at}.',
  'code.error.quota': 'Too many codes were sent today. Use another method or try again tomorrow.',
  'code.error.delivery_failed': 'We could not send the text message. Try again or use another method.',
  'code.error.invalid_phone': 'Enter a valid mobile number, for example +1 555 123 4567.',

  'recovery.title': 'Save your new recovery code',
  'recovery.body':
    'Your recovery code was used and replaced. Write this new code down and keep it somewhere safe: it is shown only once.',
  'recovery.firstBody':
    'If you lose your phone, this recovery code lets you sign in. Write it down and keep it somewhere safe: it is shown only once.',
  'recovery.ack': 'I have saved my recovery code',
  'recovery.ackRequired': 'Confirm that you have saved your recovery code.',

  'enroll.title': 'Set up 2-Step Verification',
  'enroll.intro': '{clinic} requires 2-Step Verification. Choose how you will get your codes.',
  'enroll.totp': 'Authenticator app (recommended)',
  'enroll.sms': 'Text message (SMS)',
  'enroll.totpTitle': 'Set up your authenticator app',
  'enroll.totpScan': 'Scan this QR code with your authenticator app, or enter the key by hand.',
  'enroll.totpSecret': 'Key',
  'enroll.smsTitle': 'Set up text messages',
  'enroll.phone': 'Mobile number',
  'enroll.sendCode': 'Send code',

  'locked.title': 'Sign-in is temporarily blocked',
  'locked.retry': 'There were too many wrong codes. Try again after {at}.',
  'locked.admin':
    'There were too many wrong codes. Ask a Full Access User at your clinic to unlock your account.',

  'limit.title': 'Too many attempts',
  'limit.body': 'Too many attempts. Wait a few minutes and try again.',

  'consent.title': 'Allow access',
  'consent.body': '{client} wants to access your account ({scopes}).',
  'consent.allow': 'Allow',
  'consent.deny': 'Deny',

  'logout.title': 'Sign out',
  'logout.body': 'Do you want to sign out?',
  'logout.yes': 'Yes, sign me out',
  'logout.no': 'No, stay signed in',
  'logout.done': 'You have signed out.',

  'error.title': 'Something went wrong',
  'error.400': 'This request is not valid.',
  'error.403': 'This form has expired or was not sent from this page. Go back and try again.',
  'error.404': 'Page not found.',
  'error.413': 'The form sent too much data.',
  'error.429': 'Too many attempts. Wait a few minutes and try again.',
  'error.500': 'Something went wrong on our side. Try again in a moment.',
  'error.503': 'Sign-in is temporarily unavailable. Try again in a moment.',
  'error.expired': 'This sign-in has expired. Go back to the application and sign in again.',
} as const;

export type MessageKey = keyof typeof en;
