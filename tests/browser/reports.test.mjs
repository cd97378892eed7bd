// Browser tests of /reports and the outcome survey, through the real
// nginx and FastCGI workers, in Debian's Chromium: axe-core finds no
// serious problem on the reports page (with its SVG charts), the survey,
// its error state and its thank-you; nothing scrolls sideways on a
// phone; the charts draw without JavaScript.  Prints TAP.
//
//   node tests/browser/reports.test.mjs    (after make all browser-deps)

import { createHmac } from 'node:crypto';
import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });

const COORD = { email: 'coordinator@tutti.example', password: 'demo-coordinator-2026' };

// Its screenshot (lib.mjs: evidence, never a failed check by itself).
function shot(page, name) {
  return L.shot(tap, stack, page, name);
}



// The survey link's token for a client (db/reports.c): a type byte 2,
// the referral id big-endian, 15 bytes of HMAC-SHA-256.
function surveyToken(referralId) {
  const key = Buffer.from(L.sql(stack, "select hex(value) as k from settings where key = 'outcome_key'")[0].k, 'hex');
  const body = Buffer.alloc(9);
  body[0] = 2;
  body.writeBigUInt64BE(BigInt(referralId), 1);
  const mac = createHmac('sha256', key).update(Buffer.concat([Buffer.from('tutti-outcome\0'), body])).digest();
  return Buffer.concat([body, mac.subarray(0, 15)]).toString('base64url');
}

try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()}; stack at ${stack.BASE}`);

  await tap.step('the reports page', async () => {
    const bare = await L.newContext(browser, stack, L.DESKTOP, { noJs: true });
    const nojs = await bare.newPage();
    await L.signIn(nojs, COORD);
    await nojs.goto('/reports');
    tap.check('the charts are drawn without JavaScript',
      (await nojs.locator('svg[role="img"] rect').count()) > 0);
    await bare.close();

    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await L.signIn(page, COORD);
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.waitForURL('**/reports');
    tap.equal('the title is "Reports – Tutti"', await page.title(), 'Reports – Tutti');
    const charts = page.locator('svg[role="img"]');
    tap.equal('every table but the summary, the hidden waits and the late cancellations has a chart', await charts.count(), 12);
    // The demo's 19 sites over a year stay month by month (issue 21:
    // a service with many sites gets a row a site instead).
    tap.check('the demo year: the late table has a Month column',
      (await page.locator('#table-late_and_dna thead th').allTextContents()).indexOf('Month') !== -1);
    tap.check('the demo year: no line about too many sites',
      (await page.getByText('There are too many sites to show each month').count()) === 0);
    const box = await charts.first().boundingBox();
    tap.check('a chart has a size on the page', box && box.width > 100 && box.height > 20, JSON.stringify(box));
    tap.check('each chart is named for screen readers', await page.evaluate(() =>
      [...document.querySelectorAll('svg[role="img"]')].every((s) => {
        const t = document.getElementById(s.getAttribute('aria-labelledby'));
        return t && t.textContent.trim().length > 0;
      })));
    tap.check('each table has a CSV link', (await page.getByRole('link', { name: /as CSV$/ }).count()) === 15);
    await L.checkAxe(tap, page, '/reports');
    await shot(page, 'reports-desktop');

    // A period longer than 13 months: the late cancellations by site,
    // one row a site, the months in the CSV (issue 21).
    for (const [size, name] of [[L.DESKTOP, 'desktop'], [L.PHONE, 'phone']]) {
      const c = await L.newContext(browser, stack, size);
      const p = await c.newPage();
      await L.signIn(p, COORD);
      const y = new Date().getFullYear();
      await p.goto(`/reports?from=${y - 6}-01-01&to=${y}-12-31`);
      const late = p.locator('#table-late_and_dna');
      tap.check(`six years, ${name}: the late table has no Month column`,
        (await late.locator('thead th').allTextContents()).indexOf('Month') === -1);
      const sites = await late.locator('tbody tr').count();
      const names = new Set(await late.locator('tbody th').allTextContents());
      tap.check(`six years, ${name}: one row a site (${sites})`, sites > 0 && names.size === sites);
      tap.check(`six years, ${name}: a line says the months are in the CSV`,
        await p.getByText('The figures for each month are in the CSV download below the table.').isVisible());
      await L.checkNoSideScroll(tap, p, `six years, ${name}`);
      await L.checkAxe(tap, p, `/reports for six years, ${name}`);
      await shot(p.locator('section[aria-labelledby="h-late_and_dna"]'), `reports-six-years-late-${name}`);
      await c.close();
    }

    // A browser without a date picker shows a plain text field, where
    // anything can be typed; Chromium's own picker cannot hold 30
    // February (and Playwright refuses to fill it), so the field is
    // made plain text first, as such a browser shows it.
    const first = page.getByLabel('First day');
    await first.evaluate((el) => { el.type = 'text'; });
    await first.fill('2026-02-30');
    await page.getByRole('button', { name: 'Show the period' }).click();
    await page.waitForLoadState('load');
    tap.check('an impossible date shows the problem', await page.getByRole('alert').isVisible());
    await L.checkAxe(tap, page, '/reports with an error');
    await ctx.close();

    const phone = await L.newContext(browser, stack, L.PHONE);
    const p2 = await phone.newPage();
    await L.signIn(p2, COORD);
    await p2.goto('/reports');
    await L.checkNoSideScroll(tap, p2, 'the reports on a phone');
    await shot(p2, 'reports-phone');
    await phone.close();
  });

  await tap.step('the outcome survey', async () => {
    const who = L.sql(stack, "select id from referrals where id not in (select referral_id from outcomes) and email != '' order by id limit 1")[0];
    // The key is made on first use: any well-formed link makes it.
    await fetch(`${stack.BASE}/outcome?t=AgAAAAAAAAABAAAAAAAAAAAAAAAAAAAA`);
    const url = `/outcome?t=${surveyToken(who.id)}`;
    const ctx = await L.newContext(browser, stack, L.PHONE);
    const page = await ctx.newPage();
    await page.goto(url);
    tap.check('the survey opens without signing in',
      await page.getByRole('heading', { name: 'How was music therapy for you?' }).isVisible());
    await L.checkAxe(tap, page, 'the survey');
    await L.checkNoSideScroll(tap, page, 'the survey on a phone');
    await shot(page, 'outcome-phone');

    await page.getByRole('group', { name: /positive or creative/ }).getByLabel('Agree', { exact: true }).check();
    await page.getByRole('button', { name: 'Send my answers' }).click();
    await page.waitForLoadState('load');
    tap.check('unanswered questions are named in the error summary',
      await page.getByRole('alert').filter({ hasText: 'Choose an answer to question 2' }).isVisible());
    tap.check('the answer given stays chosen',
      await page.getByRole('group', { name: /positive or creative/ }).getByLabel('Agree', { exact: true }).isChecked());
    await L.checkAxe(tap, page, 'the survey with errors');

    await page.getByRole('group', { name: /quality of life/ }).getByLabel('Not sure').check();
    await page.getByRole('group', { name: /social skills/ }).getByLabel('Agree', { exact: true }).check();
    await page.getByRole('group', { name: /our relationship/ }).getByLabel('Does not apply').check();
    await page.getByRole('button', { name: 'Send my answers' }).click();
    await page.waitForLoadState('load');
    tap.check('the thank-you follows', await page.getByRole('heading', { name: 'Thank you' }).isVisible());
    await L.checkAxe(tap, page, 'the thank-you');
    const row = L.sql(stack, 'select positive, quality_of_life, social, relationship from outcomes where referral_id = @p1', who.id)[0];
    tap.equal('the answers are stored', row, { positive: 'agree', quality_of_life: 'unsure', social: 'agree', relationship: 'na' });
    await ctx.close();
  });
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
