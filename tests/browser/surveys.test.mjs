// Browser tests of the family and partner staff surveys (issue 20),
// through the real nginx and FastCGI workers, in Debian's Chromium:
// axe-core finds no serious problem on /survey (the questions, with the
// error summary, the thank-you); the radios and comment work without
// JavaScript; nothing scrolls sideways on a phone.  Prints TAP.
//
//   node tests/browser/surveys.test.mjs    (after make all browser-deps)

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });

// The /survey link of invitation id (tuttictl surveys link), as a path.
function surveyPath(id) {
  const r = spawnSync(join(L.ROOT, process.env.B || 'build', 'tuttictl'),
    ['surveys', 'link', String(id)], {
      encoding: 'utf8',
      env: { ...process.env, TUTTI_DB: stack.TUTTI_DB, TUTTI_BASE_URL: stack.BASE },
    });
  const url = (r.stdout || '').trim();
  return url.startsWith(stack.BASE) ? url.slice(stack.BASE.length) : '';
}

try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()}; stack at ${stack.BASE}`);
  // The demo's invitations waiting for an answer (ctl/demo_surveys.c).
  const fam = L.sql(stack, "select s.id, r.given_name as name from surveys s join referrals r on r.id = s.referral_id where s.kind = 'family' and s.contact_id is not null and s.answered_at is null order by s.id");
  const partner = L.sql(stack, "select s.id, g.name from surveys s join organisations g on g.id = s.organisation_id where s.kind = 'partner' and s.user_id is not null and s.answered_at is null order by s.id");
  tap.check('the demo has family surveys waiting', fam.length >= 2);
  tap.check('and a partner staff survey', partner.length >= 1);

  await tap.step('the family survey', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    const path = surveyPath(fam[0].id);
    tap.check('its link is made', path.startsWith('/survey?t='));
    await page.goto(path);
    tap.check('it asks about the client by first name',
      await page.getByRole('group', { name: `Has music therapy improved your relationship with ${fam[0].name}?` }).isVisible());
    await L.checkAxe(tap, page, '/survey (family)');
    await L.shot(tap, stack, page, 'survey-family-desktop');

    await page.getByLabel('Anything you would like to tell us (optional)').fill('We sing together');
    await page.getByRole('button', { name: 'Send my answers' }).click();
    await page.waitForLoadState('load');
    tap.check('an unanswered question is in the error summary',
      await page.getByRole('alert').filter({ hasText: 'Choose an answer to the question' }).isVisible());
    tap.check('the comment is kept',
      (await page.getByLabel('Anything you would like to tell us (optional)').inputValue()) === 'We sing together');
    await L.checkAxe(tap, page, '/survey with an error');
    await L.shot(tap, stack, page, 'survey-family-error');

    await page.getByLabel('Yes', { exact: true }).check();
    await page.getByRole('button', { name: 'Send my answers' }).click();
    await page.waitForLoadState('load');
    tap.check('the thank-you is shown',
      await page.getByRole('heading', { name: 'Thank you' }).isVisible());
    tap.check('the answer is stored',
      L.sql(stack, 'select q1 || comment as a from surveys where id = @p1', fam[0].id)[0].a === 'agreeWe sing together');
    await L.checkAxe(tap, page, '/survey thank-you');
    await page.goto(path);
    tap.check('the link again: already answered',
      await page.getByRole('heading', { name: 'You have already answered, thank you' }).isVisible());
    await ctx.close();
  });

  await tap.step('without JavaScript, on a phone', async () => {
    const ctx = await L.newContext(browser, stack, L.PHONE, { noJs: true });
    const page = await ctx.newPage();
    await page.goto(surveyPath(fam[1].id));
    await L.checkNoSideScroll(tap, page, '/survey on a phone');
    await page.getByLabel('I am not sure').check();
    await page.getByRole('button', { name: 'Send my answers' }).click();
    await page.waitForLoadState('load');
    tap.check('it is answered without JavaScript',
      L.sql(stack, 'select q1 from surveys where id = @p1', fam[1].id)[0].q1 === 'unsure');
    await ctx.close();

    const phone = await L.newContext(browser, stack, L.PHONE);
    const p2 = await phone.newPage();
    await p2.goto(surveyPath(partner[0].id));
    tap.check('the partner survey asks both questions',
      await p2.getByRole('group', { name: 'Has music therapy enhanced staff skills and understanding?' }).isVisible() &&
      await p2.getByRole('group', { name: `Has music therapy changed the atmosphere of ${partner[0].name} for the better?` }).isVisible());
    await L.checkNoSideScroll(tap, p2, '/survey (partner) on a phone');
    await L.checkAxe(tap, p2, '/survey (partner)');
    await L.shot(tap, stack, p2, 'survey-partner-phone');
    await phone.close();
  });
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
