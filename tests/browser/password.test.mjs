// Browser test of one's own account (issue 13): a therapist signs in on
// two devices, signs out everywhere else from /me, then changes their
// password on /me/password (a wrong current password first: the error
// summary, no password kept); axe-core checks both pages, with and
// without errors, on a desktop and a phone.  Prints TAP.
//
//   node tests/browser/password.test.mjs   (after make all browser-deps)

import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });

const THERA = { email: 'therapist@tutti.example', password: 'demo-therapist-2026' };
const NEW_PW = 'walnut harbour lantern 8';

function shot(page, name) {
  return L.shot(tap, stack, page, name,
    process.env.SHOT_DIR || process.env.KEEP ? '' : ' (kept on failure or with KEEP=1)');
}


try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()} at ${L.CHROMIUM}; stack at ${stack.BASE}`);

  await tap.step('sign out everywhere else, then change the password', async () => {
    const laptop = await L.newContext(browser, stack, L.DESKTOP);
    const phone = await L.newContext(browser, stack, L.PHONE);
    const lp = await laptop.newPage();
    const pp = await phone.newPage();
    tap.equal('signed in on the laptop', await L.signIn(lp, THERA), '/me');
    tap.equal('and on the phone', await L.signIn(pp, THERA), '/me');

    await pp.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await pp.waitForURL(/done=signedout/);
    tap.check('the phone is told', await pp.getByRole('status')
      .filter({ hasText: 'signed out on every other device' }).isVisible());
    await lp.goto('/me');
    tap.equal('the laptop is sent to sign in', new URL(lp.url()).pathname, '/login');

    await pp.getByRole('link', { name: 'Change your password' }).click();
    await pp.waitForURL(/\/me\/password$/);
    tap.equal('the page is titled', await pp.title(), 'Change your password – Tutti');
    await L.checkAxe(tap, pp, '/me/password on a phone');
    await shot(pp, 'password-phone');

    await pp.getByLabel('Current password').fill('not my password at all');
    await pp.getByLabel('New password', { exact: true }).fill(NEW_PW);
    await pp.getByLabel('New password again').fill(NEW_PW);
    await pp.getByRole('button', { name: 'Change password' }).click();
    await pp.waitForLoadState('load');
    tap.check('a wrong current password shows the problem',
      await pp.getByRole('alert').filter({ hasText: 'Your current password is not right' }).isVisible());
    tap.equal('no password is kept', await pp.getByLabel('New password', { exact: true }).inputValue(), '');
    await L.checkAxe(tap, pp, '/me/password with an error');
    await shot(pp, 'password-error-phone');

    tap.equal('signed in on the laptop again', await L.signIn(lp, THERA), '/me');
    await pp.getByLabel('Current password').fill(THERA.password);
    await pp.getByLabel('New password', { exact: true }).fill(NEW_PW);
    await pp.getByLabel('New password again').fill(NEW_PW);
    await pp.getByRole('button', { name: 'Change password' }).click();
    await pp.waitForURL(/done=changed/);
    tap.check('the change is confirmed', await pp.getByRole('status')
      .filter({ hasText: 'Your password was changed' }).isVisible());
    await lp.goto('/me');
    tap.equal('the laptop is signed out by the change', new URL(lp.url()).pathname, '/login');
    await lp.goto('/me/password');
    tap.equal('signed out, the email\'s link leads to sign in', new URL(lp.url()).pathname, '/login');
    tap.equal('the new password signs in', await L.signIn(lp, { email: THERA.email, password: NEW_PW }), '/me');
    await lp.goto('/me/password');
    await L.checkAxe(tap, lp, '/me/password on a desktop');
    await shot(lp, 'password-desktop');
    await laptop.close();
    await phone.close();
  });
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
