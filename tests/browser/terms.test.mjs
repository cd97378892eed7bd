// Browser tests of term dates (issue 20), through the real nginx and
// FastCGI workers, in Debian's Chromium: axe-core finds no serious
// problem on a site's term dates page (as it is, with the add form's
// errors, after a term is added) or on the demo's term-time series
// page; nothing scrolls sideways on a phone.  Prints TAP.
//
//   node tests/browser/terms.test.mjs    (after make all browser-deps)

import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });

const COORD = { email: 'coordinator@tutti.example', password: 'demo-coordinator-2026' };


try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()}; stack at ${stack.BASE}`);
  const series = L.sql(stack, 'select id, site_id from series where term_time = 1 order by id limit 1')[0];

  await tap.step('a site\'s calendar link, on its own page', async () => {
    const ctx = await L.newContext(browser, stack, L.PHONE);
    const page = await ctx.newPage();
    await L.signIn(page, COORD);
    await page.goto('/me');
    tap.check('/me sends the coordinator to the sites for their calendars',
      await page.getByRole('link', { name: 'choose a site' }).isVisible());
    await page.goto(`/sites/${series.site_id}`);
    await page.getByRole('button', { name: /calendar link/ }).click();
    await page.waitForLoadState('load');
    tap.check('the new link is shown on the site\'s page',
      (await page.getByLabel(/^Subscribe link/).inputValue()).startsWith('webcal://'));
    await L.checkAxe(tap, page, 'the site page with its new calendar link');
    await L.checkNoSideScroll(tap, page, 'the site page on a phone');
    await L.shot(tap, stack, page, 'site-feed-phone');
    await page.goto(`/sites/${series.site_id}`);
    tap.check('... only once', (await page.getByLabel(/^Subscribe link/).count()) === 0);
    await ctx.close();
  });

  await tap.step('the term dates page', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await L.signIn(page, COORD);
    await page.goto(`/sites/${series.site_id}/terms`);
    tap.check('the terms are listed',
      await page.getByRole('heading', { name: /^Term dates:/ }).isVisible());
    await L.checkAxe(tap, page, 'the term dates page');
    await L.shot(tap, stack, page, 'terms-desktop');

    await page.getByLabel('School year').fill('2027-28');
    await page.getByLabel('Term', { exact: true }).fill('Autumn term, first half');
    await page.getByLabel('First day of term').fill('2027-10-22');
    await page.getByLabel('Last day of term').fill('2027-09-02');
    await page.getByRole('button', { name: 'Add the term' }).click();
    await page.waitForLoadState('load');
    tap.check('a term ending before it begins is in the error summary',
      await page.getByRole('alert').filter({ hasText: 'The last day must be on or after the first day' }).isVisible());
    tap.check('the typing is kept',
      (await page.getByLabel('Term', { exact: true }).inputValue()) === 'Autumn term, first half');
    await L.checkAxe(tap, page, 'the term dates page with errors');

    await page.getByLabel('Last day of term').fill('2027-10-22');
    await page.getByLabel('First day of term').fill('2027-09-02');
    await page.getByRole('button', { name: 'Add the term' }).click();
    await page.waitForLoadState('load');
    tap.check('the term is added',
      await page.getByRole('status').filter({ hasText: 'The term was added' }).isVisible());
    tap.check("it is the organisation's, as the terms that hold were: no session is put in a holiday",
      await page.getByText('No booked session falls in a holiday').isVisible());
    await L.checkAxe(tap, page, 'the term dates page after adding a term');

    await page.goto(`/series/${series.id}`);
    tap.check('the series page says term time only',
      await page.getByText(/term time only, last session/).isVisible());
    await L.checkAxe(tap, page, 'a term-time series page');
    await L.shot(tap, stack, page, 'terms-series-desktop');
    await ctx.close();

    // The site's own terms replace its organisation's: its term-time
    // sessions now fall in a holiday and are listed.
    L.sql(stack, "insert into terms (site_id, school_year, name, first_day, last_day) values (@p1, '2027-28', 'Autumn term', '2027-09-02', '2027-10-22')", series.site_id);
    const phone = await L.newContext(browser, stack, L.PHONE);
    const p2 = await phone.newPage();
    await L.signIn(p2, COORD);
    await p2.goto(`/sites/${series.site_id}/terms`);
    tap.check('the sessions now in a holiday are listed',
      await p2.getByRole('link', { name: 'Cancel or move these sessions' }).isVisible());
    await L.checkAxe(tap, p2, 'the term dates page listing sessions in a holiday');
    const sw = await p2.evaluate(() => document.documentElement.scrollWidth);
    tap.check(`the term dates page on a phone: no sideways scrolling (${sw} <= 390 px)`, sw <= 390);
    await L.shot(tap, stack, p2, 'terms-phone');
    await phone.close();
  });
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
