// Shared helpers for Tutti's browser tests: the real stack (nginx +
// workers, started by stack-up.sh), Debian's Chromium through
// playwright-core, axe-core, the database through the sqlite3 CLI, and TAP.
//
//   import { tap, startStack, stopStack, launch, axe, sql } from './lib.mjs';

import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, errors } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- TAP

export function createTap() {
  let n = 0;
  let failed = 0;
  const comment = (text) => {
    for (const line of String(text).split('\n')) console.log(`#   ${line}`);
  };
  const t = {
    ok(desc) { n++; console.log(`ok ${n} - ${desc}`); },
    notOk(desc, why) {
      n++; failed++;
      console.log(`not ok ${n} - ${desc}`);
      if (why) comment(why);
    },
    // check(desc, cond, why): ok when cond is truthy; why may be a function.
    check(desc, cond, why) {
      if (cond) t.ok(desc);
      else t.notOk(desc, typeof why === 'function' ? why() : why);
      return !!cond;
    },
    // equal(desc, got, want): strict equality of JSON forms.
    equal(desc, got, want) {
      const g = JSON.stringify(got), w = JSON.stringify(want);
      return t.check(desc, g === w, `got:  ${g}\nwant: ${w}`);
    },
    comment,
    // step(desc, fn): runs fn; an exception becomes one "not ok".
    async step(desc, fn) {
      try {
        await fn();
      } catch (e) {
        t.notOk(`${desc}: stopped by an error`,
          String(e && e.stack || e).split('\n').slice(0, 8).join('\n'));
      }
    },
    get failed() { return failed; },
    get count() { return n; },
    plan() { console.log(`1..${n}`); },
  };
  return t;
}

// ---------------------------------------------------------------- stack

// Starts the stack on a free port; returns { BASE, TVAR, PORT, TUTTI_DB }.
// Exits the process (with TAP's "Bail out!") when it does not start.
export function startStack() {
  const r = spawnSync('bash', [join(here, 'stack-up.sh')], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const env = {};
  for (const line of (r.stdout || '').split('\n')) {
    const m = /^(BASE|TVAR|PORT|TUTTI_DB)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  if (r.status !== 0 || !env.BASE || !env.TVAR) {
    if (env.TVAR && env.PORT) stopStack(env, true);
    const out = `${r.stdout || ''}${r.stderr || ''}`.trim();
    if (!/^Bail out!/m.test(out)) console.log('Bail out! the stack did not start');
    for (const line of out.split('\n')) console.log(/^(Bail out!|#)/.test(line) ? line : `# ${line}`);
    process.exit(1);
  }
  return env;
}

// Stops it; keeps its state folder (and says where) when failed or KEEP.
export function stopStack(stack, failed) {
  if (!stack || !stack.TVAR || stack.stopped) return;
  stack.stopped = true;
  const r = spawnSync('bash', [join(here, 'stack-down.sh'), stack.TVAR,
    String(stack.PORT), failed ? 'failed' : ''], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  const out = `${r.stdout || ''}${r.stderr || ''}`.trim();
  if (out) for (const line of out.split('\n')) console.log(line.startsWith('#') ? line : `# ${line}`);
}

// Stops the stack on Ctrl-C, kill, a crash, or when the whole run takes
// longer than seconds; the caller still calls stopStack at the end.
export function guard(stack, seconds, cleanup) {
  const bail = async (why) => {
    console.log(`Bail out! ${why}`);
    try { if (cleanup) await Promise.race([cleanup(), sleep(5000)]); } catch { /* ignore */ }
    stopStack(stack, true);
    process.exit(1);
  };
  const timer = setTimeout(() => bail(`the browser tests took longer than ${seconds} s`), seconds * 1000);
  timer.unref();
  process.on('SIGINT', () => bail('interrupted'));
  process.on('SIGTERM', () => bail('terminated'));
  process.on('uncaughtException', (e) => bail(`uncaught: ${e && e.stack || e}`.split('\n').join(' | ')));
  process.on('unhandledRejection', (e) => bail(`unhandled: ${e && e.stack || e}`.split('\n').join(' | ')));
  return () => clearTimeout(timer);
}

export function sleep(ms) { return new Promise((res) => setTimeout(res, ms)); }

// ---------------------------------------------------------------- browser

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
}

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 900 } };

// A context for a person: phone or desktop size; bypassCSP lets axe be
// injected (the site allows only 'self' scripts); JS on unless noJs.
export async function newContext(browser, stack, size, { noJs = false } = {}) {
  const ctx = await browser.newContext({
    ...size, baseURL: stack.BASE, bypassCSP: true, locale: 'en-GB',
    timezoneId: 'Europe/London', javaScriptEnabled: !noJs,
  });
  ctx.setDefaultTimeout(10_000);
  ctx.setDefaultNavigationTimeout(15_000);
  return ctx;
}

// Where screenshots go: $SHOT_DIR, or the stack's state folder (kept when
// a test fails or KEEP is set).
export function shotDir(stack) {
  const d = process.env.SHOT_DIR || join(stack.TVAR, 'shots');
  mkdirSync(d, { recursive: true });
  return d;
}

// How long a screenshot may take: a full page in Chromium on a loaded
// machine took over the 10 s an action gets (a fresh Debian 12 run).
export const SHOT_MS = 45_000;

// Saves a screenshot of target (a page, full length, or one locator) as
// NAME.png in shotDir and says where in a TAP comment.  Screenshots are
// evidence for a person, not checks: one that runs out of time is a
// comment ("not taken") and the test goes on, its next checks still see
// the page.  Any other error (the page or the browser gone) is thrown, so
// the step it is in fails as before.
export async function shot(tap, stack, target, name, note = '') {
  const path = join(shotDir(stack), `${name}.png`);
  const opts = { path, timeout: SHOT_MS };
  if (typeof target.goto === 'function') opts.fullPage = true;
  try {
    await target.screenshot(opts);
  } catch (e) {
    if (!(e instanceof errors.TimeoutError)) throw e;
    tap.comment(`screenshot ${name} not taken in ${SHOT_MS / 1000} s: ${String(e.message).split('\n')[0]}`);
    return;
  }
  tap.comment(`screenshot: ${path}${note}`);
}

// Signs in through the form as who ({ email, password }); returns the
// path landed on.
export async function signIn(page, who) {
  await page.goto('/login');
  await page.getByLabel('Email address', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  return new URL(page.url()).pathname;
}

// One TAP line: nothing wider than the screen (tables scroll inside
// their own box).
export async function checkNoSideScroll(tap, page, desc) {
  const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  tap.check(`${desc}: no sideways scrolling of the page (${sw} <= ${w} px)`, sw <= w);
}

// The end of a test file, in its finally: the guard off, the browser
// closed, the stack stopped (its folder kept when a test failed), the
// plan printed and the exit status set.
export async function finish(tap, stack, unguard, browser) {
  unguard();
  if (browser) await browser.close().catch(() => {});
  stopStack(stack, tap.failed > 0);
  tap.plan();
  process.exitCode = tap.failed > 0 ? 1 : 0;
}

// ---------------------------------------------------------------- axe

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Runs axe-core on the page as it is now (WCAG 2.2 A/AA and best
// practice).  Returns { blocking, other }: serious or critical violations,
// and the rest.  With JavaScript off, axe is run in a JS-enabled twin page
// by the caller instead (a page without JS cannot run it).
export async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object').catch(() => false))) {
    await page.addScriptTag({ content: axeSource });
  }
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  });
  return {
    blocking: res.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
    other: res.filter((v) => v.impact !== 'serious' && v.impact !== 'critical'),
  };
}

export function describeViolations(list) {
  const out = [];
  for (const v of list) {
    out.push(`${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} node(s)`);
    for (const n of v.nodes.slice(0, 6)) {
      out.push(`  ${n.target}`);
      if (n.summary) out.push(`    ${n.summary.split('\n').slice(0, 3).join(' / ')}`);
    }
  }
  return out.join('\n');
}

// One TAP line: no serious or critical violations; the others as comments.
export async function checkAxe(tap, page, desc) {
  const { blocking, other } = await axe(page);
  tap.check(`axe: no serious or critical violations on ${desc}`,
    blocking.length === 0, () => describeViolations(blocking));
  if (other.length > 0) {
    tap.comment(`axe notes on ${desc} (moderate/minor): ${other.map((v) => `${v.id} x${v.nodes.length}`).join(', ')}`);
  }
}

// ---------------------------------------------------------------- database

// Runs one query on the stack's database with text parameters bound as
// @p1, @p2, ... (passed hex-encoded, so any text is safe); returns rows
// as objects.
export function sql(stack, query, ...params) {
  const lines = ['.timeout 5000', '.mode json', '.parameter init'];
  params.forEach((p, i) => {
    const hex = Buffer.from(String(p), 'utf8').toString('hex');
    lines.push(`.parameter set @p${i + 1} "CAST(X'${hex}' AS TEXT)"`);
  });
  lines.push(query.trim().replace(/;?$/, ';'));
  const r = spawnSync('sqlite3', ['-bail', stack.TUTTI_DB], {
    input: `${lines.join('\n')}\n`, encoding: 'utf8', timeout: 15_000,
  });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr || r.error}`);
  const out = r.stdout.trim();
  return out === '' ? [] : JSON.parse(out);
}
