// Browser tests of the staff pages, through the real nginx and FastCGI
// workers, in Debian's Chromium: a coordinator signs in and triages a
// referral through the UI; axe-core checks the sign-in page, the queue,
// a referral, Add a referral and the administrator's users page; the
// pages are screenshotted on a desktop and a phone.  Prints TAP.
//
//   node tests/browser/staff.test.mjs      (after make all browser-deps)
//
// KEEP=1 keeps the stack's state folder (database, logs, screenshots);
// SHOT_DIR=DIR puts the screenshots there instead.

import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });

const COORD = { email: 'coordinator@tutti.example', password: 'demo-coordinator-2026', name: 'Cora Coordinator' };
const ADMIN = { email: 'admin@tutti.example', password: 'demo-admin-pass-2026', name: 'Ada Admin' };

// Its screenshot (lib.mjs: evidence, never a failed check by itself).
function shot(page, name) {
  return L.shot(tap, stack, page, name,
    process.env.SHOT_DIR || process.env.KEEP ? '' : ' (kept on failure or with KEEP=1)');
}



try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()} at ${L.CHROMIUM}; stack at ${stack.BASE}`);
  const amira = L.sql(stack, "select id, ref from referrals where family_name = 'Haddad'")[0];
  // Demo data grows with the product: expected counts come from the database.
  const count = (where) => L.sql(stack, `select count(*) as n from referrals where ${where}`)[0].n;
  const OPEN = "status in ('new', 'triaged', 'waitlisted', 'matched', 'active')";
  // The rows the queue's first page shows: 50 at most (cgi/page_referrals.c).
  const firstPage = (where) => Math.min(count(where), 50);

  // ---------------------------------------------------------- coordinator
  await tap.step('a coordinator triages a referral', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();

    await page.goto('/login');
    tap.equal('the sign-in page has the title "Sign in – Tutti"', await page.title(), 'Sign in – Tutti');
    await L.checkAxe(tap, page, 'the sign-in page');
    await shot(page, 'staff-login-desktop');

    // A wrong password first: an error summary, the email kept.
    await page.getByLabel('Email address', { exact: true }).fill(COORD.email);
    await page.getByLabel('Password', { exact: true }).fill('not my password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
    tap.check('a wrong password shows the problem',
      await page.getByRole('alert').filter({ hasText: 'The email address or the password is not right' }).isVisible());
    tap.equal('the email typed is kept', await page.getByLabel('Email address', { exact: true }).inputValue(), COORD.email);
    await L.checkAxe(tap, page, 'the sign-in page with an error');

    tap.equal('signing in lands on the queue', await L.signIn(page, COORD), '/referrals');
    const cookies = await ctx.cookies();
    const sess = cookies.find((c) => c.name === 'tutti');
    tap.check('the session cookie is HttpOnly and SameSite=Lax',
      sess && sess.httpOnly && sess.sameSite === 'Lax', JSON.stringify(sess));
    tap.check('the header names who is signed in and has a sign-out button',
      (await page.locator('header.site').innerText()).includes('Cora Coordinator')
      && await page.getByRole('button', { name: 'Sign out' }).isVisible());
    tap.equal('the queue lists the open referrals (its first page)', await page.locator('table.queue tbody tr').count(), firstPage(OPEN));
    await L.checkAxe(tap, page, 'the queue');
    await shot(page, 'staff-queue-desktop');

    // The "New" tab, then the filter form.
    await page.getByRole('navigation', { name: 'Referrals by status' }).getByRole('link', { name: /^New/ }).click();
    await page.waitForURL(/status=new/);
    const nNew = count("status = 'new'");
    tap.equal('the New tab shows the new referrals', await page.locator('table.queue tbody tr').count(), Math.min(nNew, 50));
    tap.equal('the New tab is marked current, with its count',
      (await page.locator('.tabs [aria-current="page"]').innerText()).replace(/\s+/g, ' '), `New ${nNew}`);
    await page.getByLabel('Reference, name or postcode').fill('nw1 8nh');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/q=nw1/);
    tap.equal('filtering by postcode leaves the new referrals from NW1 8NH',
      await page.locator('table.queue tbody tr td:nth-child(2)').allInnerTexts(),
      L.sql(stack, "select given_name || ' ' || family_name as n from referrals where status = 'new' and postcode = 'NW1 8NH' order by created_at, id").map((r) => r.n));
    await shot(page, 'staff-queue-filtered-desktop');

    // Open her referral and triage it.
    await page.getByRole('link', { name: amira.ref }).click();
    await page.waitForURL(`**/referrals/${amira.id}`);
    tap.equal('the referral page is headed with her name and code',
      (await page.getByRole('heading', { level: 1 }).innerText()).replace(/\s+/g, ' '), `Amira Haddad ${amira.ref}`);
    await L.checkAxe(tap, page, 'a referral');
    await shot(page, 'staff-referral-desktop');
    const columns = await page.locator('.columns > section').evaluateAll((els) =>
      els.map((e) => Math.round(e.getBoundingClientRect().top)));
    tap.check('on a desktop the person and their hopes sit side by side',
      columns.length === 2 && columns[0] === columns[1], JSON.stringify(columns));

    // Without a reason first: kept on the page with a message.
    await page.getByLabel('New status').selectOption({ label: 'Triaged' });
    await page.getByRole('button', { name: 'Change the status' }).click();
    await page.waitForLoadState('load');
    tap.check('a change without a reason asks for one',
      await page.getByRole('alert').filter({ hasText: 'Give a reason' }).isVisible());
    tap.equal('nothing changed without a reason',
      L.sql(stack, 'select status from referrals where id = @p1', amira.id)[0].status, 'new');
    await L.checkAxe(tap, page, 'a referral with an error');

    const reason = 'Spoke to Amira: she would like individual sessions, mornings.';
    await page.getByLabel('New status').selectOption({ label: 'Triaged' });
    await page.getByLabel('Reason').fill(reason);
    await page.getByRole('button', { name: 'Change the status' }).click();
    await page.waitForURL(/done=moved/);
    tap.check('the page confirms the change',
      await page.getByRole('status').filter({ hasText: 'The status was changed.' }).isVisible());
    tap.equal('the badge says Triaged', await page.locator('h1 + p .status').innerText(), 'Triaged');
    const history = await page.locator('ol.history li').allInnerTexts();
    tap.check('the history shows New → Triaged with the reason and who',
      history.some((t) => t.includes('New → Triaged') && t.includes('Cora Coordinator') && t.includes(reason)),
      JSON.stringify(history));
    const row = L.sql(stack, `select r.status, e.reason, u.email from referrals r
        join referral_events e on e.referral_id = r.id and e.to_status = 'triaged'
        join users u on u.id = e.user_id where r.id = @p1`, amira.id)[0];
    tap.equal('the database has the move, its reason and its author',
      row, { status: 'triaged', reason, email: COORD.email });
    tap.check('the audit table on the page shows the change',
      (await page.locator('section[aria-labelledby="h-audit"] tbody').innerText()).includes('status new -> triaged'));
    tap.check('the next moves on offer are those from triaged',
      JSON.stringify(await page.getByLabel('New status').locator('option').allInnerTexts()) ===
      JSON.stringify(['Waitlisted', 'Matched', 'Declined', 'Withdrawn']));
    await shot(page, 'staff-referral-triaged-desktop');

    // A note, shown as typed.
    await page.getByLabel('Add a note').fill('Prefers the Camden centre.\nNo Tuesdays.');
    await page.getByRole('button', { name: 'Add the note' }).click();
    await page.waitForURL(/done=noted/);
    tap.check('the note appears with its line break kept',
      (await page.locator('article.note .prose').innerText()).includes('Prefers the Camden centre.\nNo Tuesdays.'));

    // Add a referral (the staff form).
    await page.getByRole('navigation', { name: 'Staff' }).getByRole('link', { name: 'Add a referral' }).click();
    await page.waitForURL('**/referrals/new');
    await L.checkAxe(tap, page, 'Add a referral');
    await shot(page, 'staff-referral-new-desktop');

    // The header's controls show where the keyboard is.
    const signOut = page.getByRole('button', { name: 'Sign out' });
    await page.getByRole('navigation', { name: 'Staff' }).getByRole('link').last().focus();
    const focused = () => page.evaluate(() => {
      const el = document.activeElement, st = getComputedStyle(el);
      return { text: el.textContent.trim(), outline: st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0, bg: st.backgroundColor };
    });
    await page.keyboard.press('Tab');
    const pw = await focused();
    tap.check('Tab reaches the password link, and its focus is shown', pw.text === 'Your password' && pw.outline, JSON.stringify(pw));
    await page.keyboard.press('Tab');
    const focus = await focused();
    tap.check('Tab reaches Sign out, and its focus is shown', focus.text === 'Sign out' && focus.outline, JSON.stringify(focus));
    await L.shot(tap, stack, page.locator('header.site'), 'staff-header-focus');

    // Sign out.
    await signOut.click();
    await page.waitForURL(/\/login\?out=1/);
    tap.check('signing out says so', await page.getByRole('status').filter({ hasText: 'You have signed out.' }).isVisible());
    await page.goto('/referrals');
    tap.equal('after signing out the queue sends you to sign in', new URL(page.url()).pathname, '/login');
    await ctx.close();
  });

  // ---------------------------------------------------------- phone
  await tap.step('the queue and a referral on a phone', async () => {
    const ctx = await L.newContext(browser, stack, L.PHONE);
    const page = await ctx.newPage();
    await L.signIn(page, COORD);
    await L.checkNoSideScroll(tap, page, 'the queue on a phone');
    const wrap = await page.locator('.table-wrap').first().evaluate((e) => getComputedStyle(e).overflowX);
    tap.equal('the queue table scrolls inside its own box', wrap, 'auto');
    await L.checkAxe(tap, page, 'the queue on a phone');
    await shot(page, 'staff-queue-phone');
    await page.goto(`/referrals/${amira.id}`);
    await L.checkNoSideScroll(tap, page, 'a referral on a phone');
    await shot(page, 'staff-referral-phone');
    await ctx.close();
  });

  // ---------------------------------------------------------- admin
  await tap.step('the administrator\'s pages', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await L.signIn(page, ADMIN);
    await page.getByRole('navigation', { name: 'Staff' }).getByRole('link', { name: 'Users' }).click();
    await page.waitForURL('**/admin/users');
    tap.check('the users table lists the demo staff',
      (await page.locator('table tbody').innerText()).includes('kofi@tutti.example'));
    await L.checkAxe(tap, page, '/admin/users');
    await shot(page, 'staff-admin-users-desktop');

    // A weak password is refused with a message; a good one adds them.
    await page.getByLabel('Email address').fill('nia.jones@tutti.example');
    await page.getByLabel('Name', { exact: true }).fill('Nia Jones');
    await page.getByLabel('Role').selectOption({ label: 'Therapist' });
    await page.getByLabel('Password', { exact: true }).fill('password1234');
    await page.getByRole('button', { name: 'Add the user' }).click();
    await page.waitForLoadState('load');
    tap.check('a common password is refused with a message',
      await page.getByRole('alert').filter({ hasText: 'most common' }).isVisible());
    await L.checkAxe(tap, page, '/admin/users with an error');
    await page.getByLabel('Password', { exact: true }).fill('copper lantern meadow');
    await page.getByRole('button', { name: 'Add the user' }).click();
    await page.waitForURL(/done=added/);
    tap.check('a good password adds the account',
      (await page.locator('table tbody').innerText()).includes('nia.jones@tutti.example'));

    // The reset form opens from its summary.
    await page.getByText('Reset password for Nia Jones').click();
    tap.check('Reset password opens a password field',
      await page.getByLabel('New password for Nia Jones').isVisible());
    await shot(page, 'staff-admin-users-reset-desktop');

    await page.goto('/admin/audit');
    await L.checkAxe(tap, page, '/admin/audit');
    tap.check('the audit log shows the coordinator\'s status change',
      (await page.locator('table tbody').innerText()).includes('status new -> triaged'));
    await shot(page, 'staff-admin-audit-desktop');
    await page.goto('/me');
    await L.checkAxe(tap, page, '/me');
    await shot(page, 'staff-me-desktop');
    await ctx.close();
  });
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
