/**
 * Captures docs/account-security.png and docs/admin-console.png (1280×800) with
 * Debian's Chromium through playwright-core, signed in to a seeded test IdP.
 *
 *   node --conditions=@twostep/source test/e2e-console/screenshots.ts
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../helpers/chromium.ts';
import { startTestIdp } from '../helpers/idp.ts';

const docs = join(dirname(fileURLToPath(import.meta.url)), '../../docs');
mkdirSync(docs, { recursive: true });

const idp = await startTestIdp();
const now = idp.clock.now();
const people = [
  'Amara Okafor',
  'Ben Tremblay',
  'Chloé Martin',
  'Diego Alvarez',
  'Emily Chen',
  'Farah Haddad',
  'Grace Kim',
  'Hugo Lefebvre',
  'Isla MacDonald',
  'Jonah Patel',
  'Keiko Sato',
  'Liam O’Brien',
];
for (const [i, name] of people.entries()) {
  const id = `staff-${i}`;
  await idp.stores.staff.create({
    id,
    clinicId: idp.clinic.id,
    email: `${name
      .split(' ')[0]!
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '')}@maple.test`,
    name,
    role: i === 4 ? 'full_access' : 'staff',
    passwordHash: 'x',
    active: true,
    createdAt: now,
  });
  if (i % 3 !== 2) {
    await idp.stores.factors.savePending({
      id: `f-${id}`,
      kind: i % 2 ? 'sms' : 'totp',
      ...(i % 2 ? { phone: '+16135550100' } : { secret: 's', lastStep: null }),
      createdAt: now,
      staffId: id,
      clinicId: idp.clinic.id,
      status: 'pending',
      confirmedAt: null,
    } as never);
    await idp.stores.factors.activate(id, i % 2 ? 'sms' : 'totp', `f-${id}`, now, null);
  }
}
await idp.stores.pauses.set({
  staffId: 'staff-1',
  clinicId: idp.clinic.id,
  until: new Date(now.getTime() + 20 * 3_600_000),
  reason: 'Lost phone',
  pausedBy: idp.staff.owner.id,
  createdAt: now,
});

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${idp.url}/account`);
  await page.fill('#email', idp.staff.owner.email);
  await page.fill('#password', idp.staff.owner.password);
  await page.click('button[type=submit]');
  await page.fill('#code', idp.nextTotpCode(idp.staff.owner.totpSecret!));
  await page.check('#remember');
  await page.click('form[action$="/verify"] button[type=submit]');
  await page.waitForURL(`${idp.url}/account`);
  await page.screenshot({ path: join(docs, 'account-security.png') });
  await page.goto(`${idp.url}/admin`);
  await page.screenshot({ path: join(docs, 'admin-console.png') });
  console.log(`wrote ${join(docs, 'account-security.png')} and admin-console.png`);
} finally {
  await browser.close();
  await idp.close();
}
