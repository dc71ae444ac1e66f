/** The interaction routes, one step per file. Every POST: small urlencoded body, CSRF-checked in its step. */
import express, { type Request, type Response, Router } from 'express';
import type { Deps } from './context.ts';
import { submitConsent } from './consent.ts';
import {
  chooseSms,
  confirmSms,
  confirmTotp,
  enrollLater,
  sendEnrollSms,
  showEnrollChoice,
  showSms,
  showTotp,
  startTotp,
} from './enroll.ts';
import { finishPasskeyEnroll, showPasskeyEnroll } from './enroll-passkey.ts';
import { abort, acknowledge, continuePaused, showNewPhone, skipNewPhone } from './finish.ts';
import { submitPasskey } from './passkey-first.ts';
import { showPasswordRefusal, submitPassword } from './password.ts';
import {
  leaveWithoutPasskey,
  sendSms,
  showCodePage,
  showHelp,
  submitCode,
  verifyPasskey,
} from './second-factor.ts';
import { start } from './start.ts';

type Step = (deps: Deps, req: Request, res: Response) => Promise<void>;

export function interactionRouter(deps: Deps, bodyLimitBytes: number): Router {
  const router = Router();
  // extended: false → `email[$gt]=` stays a key named "email[$gt]"; values are only ever strings.
  const body = express.urlencoded({ extended: false, limit: bodyLimitBytes, parameterLimit: 20 });
  const get = (path: string, step: Step) =>
    router.get(`/interaction/:uid${path}`, (req, res) => step(deps, req, res));
  const post = (path: string, step: Step) =>
    router.post(`/interaction/:uid${path}`, body, (req, res) => step(deps, req, res));

  get('', start);
  get('/password', showPasswordRefusal);
  post('/password', submitPassword);
  post('/passkey', submitPasskey);
  get('/verify', showCodePage);
  get('/help', showHelp);
  post('/verify', submitCode);
  post('/verify/passkey', verifyPasskey);
  post('/verify/no-passkey', leaveWithoutPasskey);
  post('/sms', sendSms);
  post('/acknowledge', acknowledge);
  post('/continue', continuePaused);
  get('/new-phone', showNewPhone);
  post('/new-phone/skip', skipNewPhone);
  post('/abort', abort);
  get('/enroll', showEnrollChoice);
  get('/enroll/totp', showTotp);
  post('/enroll/totp', startTotp);
  post('/enroll/totp/confirm', confirmTotp);
  get('/enroll/sms', showSms);
  post('/enroll/sms', chooseSms);
  post('/enroll/sms/send', sendEnrollSms);
  post('/enroll/sms/confirm', confirmSms);
  get('/enroll/passkey', showPasskeyEnroll);
  post('/enroll/passkey', finishPasskeyEnroll);
  post('/enroll/later', enrollLater);
  post('/consent', submitConsent);
  return router;
}
