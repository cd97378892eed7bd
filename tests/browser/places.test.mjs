// Browser tests of freed places (issue 18), through the real nginx and
// FastCGI workers in Debian's Chromium, on the demo data: a coordinator
// raises a therapist's caseload limit on their form, the page after
// saving says a place was made and links to it; /places lists every open
// place with its offers' states (the demo's: open, said no, no answer in
// time); axe-core clean and no sideways scrolling on a phone and a
// desktop; screenshots of each.  Prints TAP.
//
//   node tests/browser/places.test.mjs      (after make all browser-deps)

import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });
const coordinator = { email: 'coordinator@tutti.example', password: 'demo-coordinator-2026' };

try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()}; stack at ${stack.BASE}`);
  // Bea works at a hall in ZZ8 on Mondays 10:00-11:00, her caseload
  // full (0 of 0); Ben waits in ZZ8, free any time.
  L.sql(stack, `INSERT INTO sites (id, name, kind, address, postcode) VALUES
      (9101, 'Browser Hall', 'community_venue', '8 Test Lane', 'ZZ8 8ZZ');
    INSERT INTO rooms (id, site_id, name, capacity) VALUES (9101, 9101, 'Garden Room', 1);
    INSERT INTO site_hours (site_id, day, start_min, end_min) VALUES (9101, 0, 600, 660);
    INSERT INTO therapists (id, name, specialisms, max_caseload, max_hours)
      VALUES (9101, 'Bea Browser', 16, 0, 10);
    INSERT INTO therapist_availability (therapist_id, site_id, day, start_min, end_min)
      VALUES (9101, 9101, 0, 600, 660);
    INSERT INTO referrals (id, ref, status, given_name, family_name, email,
      postcode, date_of_birth, preferred_contact, session_type, needs,
      availability, consent_data, consent_contact, created_at, updated_at) VALUES
     (91001, 'BROW-0001', 'waitlisted', 'Ben', 'Bee', 'ben@example.org', 'ZZ8 1AB',
      '1980-01-01', 'email', 'individual', 16, 2097151, 1, 1, '2025-02-01T00:00:00Z', 'x')`);

  await tap.step('raising a caseload limit makes a place, said after saving', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await L.signIn(page, coordinator);
    await page.goto('/therapists/9101/edit');
    await page.getByLabel('Most clients at once').fill('1');
    await Promise.all([
      page.waitForURL(/\/therapists\/9101\?done=saved/),
      page.getByRole('button', { name: 'Save the therapist' }).click(),
    ]);
    const note = page.getByRole('status').filter({ hasText: 'place was made' });
    tap.check('the page says 1 place was made for Bea Browser',
      (await note.innerText()).includes('1 place was made for Bea Browser:'));
    const link = note.getByRole('link', { name: /^Mondays at 10:00 at Browser Hall, Garden Room/ });
    tap.check('it links to the place', await link.isVisible());
    await L.checkAxe(tap, page, 'the therapist page after saving (desktop)');
    await L.shot(tap, stack, page, 'caseload-opened-desktop');
    await Promise.all([page.waitForURL(/\/places\/\d+$/), link.click()]);
    tap.check('the place page says how it was freed',
      (await page.locator('main').innerText()).includes('The therapist can take more clients'));
    await ctx.close();
  });

  for (const size of [L.DESKTOP, L.PHONE]) {
    const kind = size.isMobile ? 'phone' : 'desktop';
    await tap.step(`/places on a ${kind}`, async () => {
      const ctx = await L.newContext(browser, stack, size);
      const page = await ctx.newPage();
      await L.signIn(page, coordinator);
      await page.goto('/me');
      await Promise.all([page.waitForURL(/\/places$/),
        page.getByRole('link', { name: 'Freed places and their offers' }).click()]);
      tap.check(`the heading says Freed places (${kind})`,
        await page.getByRole('heading', { level: 1, name: 'Freed places' }).isVisible());
      const open = page.locator('section[aria-labelledby="h-open"] table');
      const text = await open.innerText();
      tap.check(`Bea's place is listed (${kind})`, text.includes('Bea Browser'));
      tap.check(`an offer open, with the time to answer by (${kind})`, text.includes('Offered: answer by'));
      tap.check(`an offer declined (${kind})`, text.includes('Said no on'));
      tap.check(`an offer not answered in time (${kind})`, text.includes('No answer in time'));
      tap.check(`dates for people, not ISO (${kind})`, !/\b20\d\d-\d\d-\d\d\b/.test(text));
      await L.checkAxe(tap, page, `/places (${kind})`);
      await L.checkNoSideScroll(tap, page, `/places (${kind})`);
      await L.shot(tap, stack, page, `places-${kind}`);
      await ctx.close();
    });
  }
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
