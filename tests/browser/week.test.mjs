// Browser tests of the coordinator's week (issue 17), through the real
// nginx and workers in Debian's Chromium: the whole service's week at
// 1280 px with 12 therapists and no sideways scrolling (and with no
// JavaScript, and as printed on a landscape page), the check-answers
// page of assign-and-book with Undo after it, and the leave flow;
// axe-core on each; and the grid, check-answers and leave pages on a
// 390 px phone with no sideways scrolling of the page.
//
//   node tests/browser/week.test.mjs      (after make all browser-deps)

import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });

const COORD = { email: 'coordinator@tutti.example', password: 'demo-coordinator-2026' };


async function sideScroll(page) {
  return page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
}

try {
  browser = await L.launch();
  // At least 12 active therapists (the demo has fewer at this size).
  const have = L.sql(stack, 'select count(*) as n from therapists where active = 1')[0].n;
  for (let i = have; i < 12; i++) {
    L.sql(stack, "insert into therapists (name, max_hours, max_caseload) values (@p1, 25, 10)", `Extra Therapist ${i + 1}`);
  }
  const active = L.sql(stack, 'select count(*) as n from therapists where active = 1')[0].n;

  await tap.step('the whole service\'s week', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await L.signIn(page, COORD);
    await page.goto('/schedule');
    tap.check('/schedule opens on this week', (await page.locator('h1').innerText()).startsWith('Schedule: week of'));
    const rows = await page.locator('table.grid tbody tr').count();
    tap.equal(`one row a therapist (${active})`, rows, active);
    tap.check('sessions are cards that open their series',
      (await page.locator('table.grid a.card').count()) > 0 &&
      /^\/series\/\d+$/.test(await page.locator('table.grid a.card').first().getAttribute('href')));
    const [sw, w] = await sideScroll(page);
    tap.check(`1280 px: no sideways scrolling with ${rows} therapists (${sw} <= ${w})`, sw <= w);
    await L.checkAxe(tap, page, 'the week grid');
    await L.shot(tap, stack, page, 'week-grid-desktop');
    // Another week, rooms as rows, one day: all by links.
    await page.getByRole('link', { name: 'Next week' }).click();
    await page.waitForLoadState('load');
    tap.check('Next week moves on a week', /week=\d{4}-\d\d-\d\d/.test(page.url()));
    await page.getByRole('link', { name: 'Rooms', exact: true }).click();
    await page.waitForLoadState('load');
    tap.check('Rooms shows rooms as rows', (await page.locator('table.grid thead th').first().innerText()).trim() === 'Rooms');
    await L.checkAxe(tap, page, 'the week grid by room');
    // Printed: landscape A4 is about 1123 px wide at 96 dpi.
    await page.setViewportSize({ width: 1100, height: 780 });
    await page.emulateMedia({ media: 'print' });
    await page.goto('/schedule');
    const [pw, vw] = await sideScroll(page);
    tap.check(`printed, the week fits a landscape page's width (${pw} <= ${vw})`, pw <= vw);
    tap.check('printed, the site header is left out', !(await page.locator('header.site').isVisible()));
    await ctx.close();
    // Without JavaScript the grid is all there.
    const nojs = await L.newContext(browser, stack, L.DESKTOP, { noJs: true });
    const p2 = await nojs.newPage();
    await L.signIn(p2, COORD);
    await p2.goto('/schedule');
    tap.equal('without JavaScript every therapist has a row', await p2.locator('table.grid tbody tr').count(), active);
    await nojs.close();
  });

  await tap.step('assign and book from the matches', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await L.signIn(page, COORD);
    const r = L.sql(stack, "select id from referrals where status = 'waitlisted' order by id limit 1")[0];
    await page.goto(`/referrals/${r.id}/matches`);
    tap.check('the matches give no scores', !(await page.content()).includes('of 1000'));
    const button = page.getByRole('button', { name: /^Assign and book/ }).first();
    if (await button.count() === 0) { tap.comment('no suggestion for this referral'); await ctx.close(); return; }
    await button.click();
    await page.waitForLoadState('load');
    tap.check('a suggestion opens the check-your-answers page', (await page.locator('h1').innerText()) === 'Check the booking');
    tap.equal('the usual number of sessions is filled in', await page.getByLabel('Number of sessions').inputValue(), '12');
    await L.checkAxe(tap, page, 'the check-answers page');
    await L.shot(tap, stack, page, 'week-book-check-desktop');
    await page.getByLabel('Number of sessions').fill('2');
    await page.getByRole('button', { name: 'Confirm: assign and book' }).click();
    await page.waitForLoadState('load');
    const url = new URL(page.url());
    if (url.pathname.startsWith('/series/')) {
      tap.ok('confirming books the series and opens it');
      // Undo while the emails wait (issue 17): who made it, and Undo.
      const banner = page.getByRole('region', { name: 'Undo a change' });
      tap.check('the page offers Undo and says who booked it',
        (await banner.innerText()).includes('made by Cora Coordinator'));
      await L.checkAxe(tap, page, 'the series page with Undo');
      await L.shot(tap, stack, page, 'week-undo-desktop');
      await page.getByRole('button', { name: 'Undo the assignment and booking' }).click();
      await page.waitForLoadState('load');
      tap.check('Undo opens the referral, saying so',
        new URL(page.url()).pathname === `/referrals/${r.id}` &&
        (await page.getByRole('status').first().innerText()).includes('The booking was undone'));
      tap.equal('the person is back on the waitlist',
        L.sql(stack, `select status from referrals where id = ${r.id}`)[0].status, 'waitlisted');
      tap.equal('their emails never go', L.sql(stack, `select count(*) as n from outbox
        where referral_id = ${r.id} and kind = 'booking_confirmation' and status != 'dropped'`)[0].n, 0);
    } else {
      tap.check('or a clash is named, the form kept', await page.getByRole('alert').isVisible());
      tap.equal('with the number typed', await page.getByLabel('Number of sessions').inputValue(), '2');
      await L.checkAxe(tap, page, 'the check-answers page with a clash');
    }
    await ctx.close();
  });

  await tap.step('on a phone (390 px)', async () => {
    const ctx = await L.newContext(browser, stack, L.PHONE);
    const page = await ctx.newPage();
    await L.signIn(page, COORD);
    await page.goto('/schedule');
    let [sw, w] = await sideScroll(page);
    tap.check(`the week: the page does not scroll sideways (${sw} <= ${w})`, sw <= w);
    const box = page.locator('.grid-scroll');
    const [bw, cw] = await box.evaluate((e) => [e.scrollWidth, e.clientWidth]);
    tap.check(`the grid scrolls inside its own box (${bw} > ${cw})`, bw > cw);
    await box.evaluate((e) => { e.scrollLeft = e.scrollWidth; });
    const last = await page.locator('table.grid thead th').last().boundingBox();
    const edge = await box.boundingBox();
    tap.check('scrolled, the last day is in view', last.x + last.width <= edge.x + edge.width + 1);
    const who = await page.locator('table.grid tbody th.who').first().boundingBox();
    tap.check('and the therapists stay in view', Math.abs(who.x - edge.x) <= 2);
    await box.evaluate((e) => { e.scrollLeft = 0; });
    await L.checkAxe(tap, page, 'the week grid at 390 px');
    await L.shot(tap, stack, page, 'week-grid-phone');
    const r = L.sql(stack, "select id from referrals where status = 'waitlisted' order by id limit 1")[0];
    await page.goto(`/referrals/${r.id}/matches`);
    const button = page.getByRole('button', { name: /^Assign and book/ }).first();
    if (await button.count() > 0) {
      await button.click();
      await page.waitForLoadState('load');
      [sw, w] = await sideScroll(page);
      tap.check(`the check-answers page does not scroll sideways (${sw} <= ${w})`, sw <= w);
      await L.checkAxe(tap, page, 'the check-answers page at 390 px');
      await L.shot(tap, stack, page, 'week-book-check-phone');
    }
    const t = L.sql(stack, `select o.therapist_id as id from occurrences o where o.state = 'booked'
      and o.occ_date between date('now', '+2 days') and date('now', '+8 days')
      group by o.therapist_id order by count(*) asc limit 1`)[0];
    const leave = L.sql(stack, `insert into therapist_leave (therapist_id, first_day, last_day, reason)
      values (${t.id}, date('now', '+2 days'), date('now', '+8 days'), 'Training') returning id`)[0].id;
    await page.goto(`/therapists/${t.id}/leave`);
    [sw, w] = await sideScroll(page);
    tap.check(`the leave page does not scroll sideways (${sw} <= ${w})`, sw <= w);
    tap.check('and lists what the leave hits', (await page.locator('fieldset.hit').count()) > 0);
    await L.checkAxe(tap, page, 'the leave flow at 390 px');
    await L.shot(tap, stack, page, 'week-leave-phone');
    L.sql(stack, `delete from therapist_leave where id = ${leave}`);
    await ctx.close();
  });

  await tap.step('leave that acts on what it hits', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await L.signIn(page, COORD);
    const t = L.sql(stack, `select o.therapist_id as id from occurrences o where o.state = 'booked'
      and o.occ_date between date('now', '+2 days') and date('now', '+8 days')
      group by o.therapist_id order by count(*) desc limit 1`)[0];
    L.sql(stack, `insert into therapist_leave (therapist_id, first_day, last_day, reason)
      values (${t.id}, date('now', '+2 days'), date('now', '+8 days'), 'Off sick')`);
    await page.goto(`/therapists/${t.id}/leave`);
    const n = await page.locator('fieldset.hit').count();
    tap.check(`the leave page lists the sessions it hits (${n})`, n > 0);
    await L.checkAxe(tap, page, 'the leave flow');
    await L.shot(tap, stack, page, 'week-leave-desktop');
    await page.getByRole('button', { name: 'Apply these changes' }).click();
    await page.waitForLoadState('load');
    tap.check('one confirmation applies them all', page.url().includes('done=applied'));
    tap.check('and says who is emailed and when', (await page.getByRole('status').innerText()).includes('will be emailed in'));
    await L.checkAxe(tap, page, 'the leave flow, applied');
    await ctx.close();
  });
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
