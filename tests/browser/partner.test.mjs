// Browser tests of the partner's page and the impact report (issue 20),
// through the real nginx and FastCGI workers, in Debian's Chromium:
// axe-core finds no serious problem on /partner (as it is, with the
// closure form's errors, after a report) or on /reports/impact and its
// printable page; nothing scrolls sideways on a phone.  Prints TAP.
//
//   node tests/browser/partner.test.mjs    (after make all browser-deps)

import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });

const PARTNER = { email: 'partner@tutti.example', password: 'demo-partner-2026' };
const COORD = { email: 'coordinator@tutti.example', password: 'demo-coordinator-2026' };

// Its screenshot (lib.mjs: evidence, never a failed check by itself).
function shot(page, name) {
  return L.shot(tap, stack, page, name);
}



try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()}; stack at ${stack.BASE}`);

  await tap.step('the partner page', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await L.signIn(page, PARTNER);
    tap.check('a partner lands on /partner', new URL(page.url()).pathname === '/partner');
    tap.check('the week is shown',
      await page.getByRole('heading', { name: /The week of/ }).isVisible());
    await L.checkAxe(tap, page, '/partner');
    await shot(page, 'partner-desktop');

    await page.getByLabel('Last day').fill('2020-01-01');
    await page.getByLabel('More about it (optional)').fill('Sports day');
    await page.getByRole('button', { name: 'Send the closure' }).click();
    await page.waitForLoadState('load');
    tap.check('a missing first day is in the error summary',
      await page.getByRole('alert').filter({ hasText: 'Enter the first day of the closure' }).isVisible());
    tap.check('the typing is kept',
      (await page.getByLabel('More about it (optional)').inputValue()) === 'Sports day');
    await L.checkAxe(tap, page, '/partner with errors');

    const org = L.sql(stack, "select organisation_id as o from users where email = 'partner@tutti.example'")[0].o;
    const site = L.sql(stack, 'select id from sites where organisation_id = @p1 order by name, id limit 1', org)[0].id;
    const day = L.sql(stack, "select occ_date as d from occurrences where site_id = @p1 and state != 'cancelled' and occ_date > date('now', 'localtime') order by occ_date limit 1", site)[0].d;
    await page.getByLabel('Site', { exact: true }).selectOption(String(site));
    await page.getByLabel('First day').fill(day);
    await page.getByLabel('Last day').fill('');
    await page.getByLabel('An outbreak of illness').check();
    await page.getByRole('button', { name: 'Send the closure' }).click();
    await page.waitForLoadState('load');
    tap.check('the thank-you is shown',
      await page.getByRole('status').filter({ hasText: 'The coordinators have your closure' }).isVisible());
    tap.check('the closure waits for a coordinator',
      await page.getByText('Waiting for a coordinator').first().isVisible());
    await L.checkAxe(tap, page, '/partner after a report');
    await ctx.close();

    const phone = await L.newContext(browser, stack, L.PHONE);
    const p2 = await phone.newPage();
    await L.signIn(p2, PARTNER);
    await L.checkNoSideScroll(tap, p2, '/partner on a phone');
    await shot(p2, 'partner-phone');
    await phone.close();
  });

  await tap.step('the impact report', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await L.signIn(page, COORD);
    await page.goto('/reports/impact');
    tap.check('the headline figures are shown',
      await page.getByRole('rowheader', { name: 'Sessions delivered' }).isVisible());
    await L.checkAxe(tap, page, '/reports/impact');
    await shot(page, 'impact-desktop');
    await page.goto('/reports/impact?print=1');
    await L.checkAxe(tap, page, 'the printable impact report');
    await page.goto('/reports/impact?from=2026-02-30&to=2026-12-31');
    await L.checkAxe(tap, page, '/reports/impact with an error');
    await ctx.close();

    const phone = await L.newContext(browser, stack, L.PHONE);
    const p2 = await phone.newPage();
    await L.signIn(p2, COORD);
    await p2.goto('/reports/impact');
    await L.checkNoSideScroll(tap, p2, '/reports/impact on a phone');
    await shot(p2, 'impact-phone');
    await phone.close();
  });
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
