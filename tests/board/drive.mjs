// Drives headless Chromium through the steps of a plan against a running `cmos board`, the
// way a person would use it: it reads what the page shows, drags cards with the mouse, runs
// the cmos CLI beside the page, and takes screenshots. tests/board_browser.rs writes the plan,
// starts the board and runs this script with node; the script exits non-zero at the first
// step whose check fails, saying what it saw, with a screenshot of the moment.
//
// Usage: node drive.mjs PLAN.json
// Environment: BOARD_URL (the board's URL), CMOS_BIN (the cmos binary; run in the current
// directory), PLAYWRIGHT_CORE (the playwright-core package directory), CHROMIUM (the browser
// binary), SHOTS (where screenshots go).

import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const require = createRequire(join(need('PLAYWRIGHT_CORE'), 'package.json'));
const { chromium } = require(need('PLAYWRIGHT_CORE'));

const base = need('BOARD_URL');
const shots = need('SHOTS');
const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const TIMEOUT = Number(process.env.STEP_TIMEOUT_MS || 10000);
mkdirSync(shots, { recursive: true });

// Debian's Chromium as root in a container: no sandbox, new headless mode, and none of the
// background connections a closed network refuses.
const browser = await chromium.launch({
  executablePath: need('CHROMIUM'),
  headless: true,
  timeout: 60000,
  args: [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--no-first-run',
    '--disable-quic',
  ],
});

const page = await browser.newPage({ viewport: plan.viewport || { width: 1280, height: 800 }, deviceScaleFactor: 1 });
page.setDefaultTimeout(TIMEOUT);
const pageErrors = [];
page.on('pageerror', (err) => pageErrors.push(err.message));
page.on('console', (msg) => {
  if (msg.type() === 'error' && !/status of (403|404|409)/.test(msg.text())) pageErrors.push('console: ' + msg.text());
});
// A script from the branch that ran would show itself with alert(); the page opens no dialog.
page.on('dialog', (dialog) => {
  pageErrors.push(`a script opened a ${dialog.type()} dialog: ${dialog.message()}`);
  dialog.dismiss().catch(() => {});
});
// Nothing but the board's own server may be asked for anything.
const origin = new URL(base).origin;
const foreign = [];
page.on('request', (req) => {
  const url = req.url();
  if (!url.startsWith(origin) && !url.startsWith('data:')) foreign.push(url);
});

const log = (...parts) => console.log(...parts);
let stepNo = 0;

function cli(args) {
  return execFileSync(need('CMOS_BIN'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function textOf(selector) {
  return (await page.locator(selector).first().textContent()) || '';
}

// Waits until fn() returns true, or fails with what describe() says was seen last.
async function until(what, fn, describe, timeout = TIMEOUT) {
  const start = Date.now();
  let last = null;
  for (;;) {
    try {
      if (await fn()) return Date.now() - start;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() - start > timeout) {
      const seen = describe ? await describe().catch((e) => e.message) : last;
      throw new Error(`${what}: not seen within ${timeout} ms; saw ${seen}`);
    }
    await page.waitForTimeout(50);
  }
}

const column = (key) => `[data-column="${key}"]`;
const card = (id) => `[data-card="${id}"]`;

async function cardColumn(id) {
  return page.locator(card(id)).first().evaluate((el) => el.closest('[data-column]').getAttribute('data-column'));
}

async function columnsSeen() {
  return page.$$eval('[data-column]', (cols) => cols.map((c) => `${c.getAttribute('data-column')}=${c.querySelector('.count').textContent.trim()}[${[...c.querySelectorAll('[data-card]')].map((k) => k.getAttribute('data-card')).join(',')}]`).join(' '));
}

async function dragTo(id, key) {
  const from = await page.locator(card(id)).first().boundingBox();
  const to = await page.locator(column(key)).first().boundingBox();
  if (!from || !to) throw new Error(`cannot find card ${id} or column ${key} on the page`);
  await page.mouse.move(from.x + from.width / 2, from.y + 12);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 12, from.y + 20, { steps: 3 });
  await page.mouse.move(to.x + to.width / 2, to.y + Math.min(to.height / 2, 160), { steps: 12 });
  await page.mouse.up();
}

const steps = {
  async open(arg) {
    await page.goto(base + (arg || ''));
    await page.waitForSelector('main[aria-busy="false"]');
  },
  // Navigates by hash and waits for a view drawn after the navigation.
  async go(hash) {
    const before = Number(await page.getAttribute('main', 'data-renders'));
    await page.evaluate((h) => { location.hash = h; }, hash);
    await until(`the view for ${hash}`, async () => (await page.getAttribute('main', 'aria-busy')) === 'false' && Number(await page.getAttribute('main', 'data-renders')) > before);
  },
  // Marks the page, so a later `same_page` proves no reload happened in between.
  async mark() {
    await page.evaluate(() => { window.__cmosMark = 'kept'; });
  },
  async same_page() {
    const mark = await page.evaluate(() => window.__cmosMark);
    if (mark !== 'kept') throw new Error('the page was reloaded');
  },
  async columns(expected) {
    await until('the columns ' + JSON.stringify(expected), async () => {
      for (const [key, n] of Object.entries(expected)) {
        const count = (await textOf(`${column(key)} .count`)).trim();
        const cards = await page.locator(`${column(key)} [data-card]`).count();
        if (count !== String(n) || cards !== n) return false;
      }
      return true;
    }, columnsSeen);
  },
  async column_order(keys) {
    const seen = await page.$$eval('[data-column]', (cols) => cols.map((c) => c.getAttribute('data-column')));
    if (JSON.stringify(seen) !== JSON.stringify(keys)) throw new Error(`columns in order ${JSON.stringify(keys)} expected, saw ${JSON.stringify(seen)}`);
  },
  async labels(expected) {
    for (const [key, label] of Object.entries(expected)) {
      const seen = (await textOf(`${column(key)} .label`)).trim();
      if (seen !== label) throw new Error(`column ${key}: label ${JSON.stringify(label)} expected, saw ${JSON.stringify(seen)}`);
    }
  },
  async card_in({ card: id, column: key }) {
    const ms = await until(`card ${id} in column ${key}`, async () => (await page.locator(`${column(key)} ${card(id)}`).count()) === 1 && !(await page.locator(card(id)).first().evaluate((el) => el.classList.contains('pending'))), columnsSeen);
    return `${ms} ms`;
  },
  async card_text({ card: id, contains }) {
    for (const text of [].concat(contains)) {
      await until(`card ${id} saying ${JSON.stringify(text)}`, async () => (await textOf(card(id))).includes(text), () => textOf(card(id)));
    }
  },
  async drag({ card: id, column: key }) {
    await page.waitForSelector(card(id));
    await dragTo(id, key);
  },
  async key({ card: id, keys }) {
    await page.locator(card(id)).first().focus();
    for (const k of [].concat(keys)) await page.keyboard.press(k);
  },
  async cli(args) {
    cli(args);
  },
  // A card appears in a column after a write from the CLI: the time from the end of the
  // write to the page showing it, with no reload.
  async live({ args, card: id, column: key, within }) {
    cli(args);
    const wrote = Date.now();
    await until(`card ${id} in column ${key} after \`cmos ${args.join(' ')}\``, async () => (await page.locator(`${column(key)} ${card(id)}`).count()) === 1, columnsSeen, within || TIMEOUT);
    return `live update ${Date.now() - wrote} ms after the write`;
  },
  async message({ contains, kind }) {
    await until(`#message ${kind ? `(${kind}) ` : ''}saying ${JSON.stringify(contains)}`, async () => {
      const box = page.locator('#message');
      if (await box.isHidden()) return false;
      if (kind && !(await box.evaluate((el, k) => el.classList.contains(k), kind))) return false;
      const text = (await box.textContent()) || '';
      return [].concat(contains).every((t) => text.includes(t));
    }, async () => `${await page.locator('#message').isHidden() ? 'hidden' : ''} ${JSON.stringify(await textOf('#message'))}`);
  },
  async text({ selector, contains }) {
    for (const t of [].concat(contains)) {
      await until(`${selector} saying ${JSON.stringify(t)}`, async () => (await textOf(selector)).includes(t), () => textOf(selector));
    }
  },
  async no_text({ selector, contains }) {
    const text = await textOf(selector);
    if (text.includes(contains)) throw new Error(`${selector} says ${JSON.stringify(contains)}: ${JSON.stringify(text)}`);
  },
  async visible(selector) {
    await page.waitForSelector(selector, { state: 'visible' });
  },
  async hidden(selector) {
    await page.waitForSelector(selector, { state: 'hidden' });
  },
  async count({ selector, n, at_least }) {
    await until(`${at_least ? 'at least ' : ''}${at_least || n} of ${selector}`, async () => {
      const c = await page.locator(selector).count();
      return at_least ? c >= at_least : c === n;
    }, async () => String(await page.locator(selector).count()));
  },
  // An inline SVG drawing of some size, not an image or an error box.
  // (Retried: a view being drawn anew replaces the drawing under the measurement.)
  async drawing({ selector, at_least_width }) {
    let box = null;
    await until(`a drawing in ${selector}`, async () => {
      if ((await page.getAttribute('main', 'aria-busy')) !== 'false') return false;
      box = await page.locator(`${selector} svg`).first().boundingBox({ timeout: 1000 });
      return box && box.width >= (at_least_width || 100) && box.height >= 50;
    }, async () => JSON.stringify(box));
    return `${Math.round(box.width)}x${Math.round(box.height)}`;
  },
  // No element whose text came from the branch turned into markup.
  async no_element(selector) {
    const n = await page.locator(selector).count();
    if (n) throw new Error(`${n} element(s) ${selector} on the page`);
  },
  async fill({ selector, text }) {
    await page.locator(selector).first().fill(text);
  },
  async press(key) {
    await page.keyboard.press(key);
  },
  async select({ selector, value }) {
    await page.locator(selector).first().selectOption(value);
  },
  async click(selector) {
    await page.locator(selector).first().click();
  },
  // Ticks a box that changes the route, and waits for the view drawn after it.
  async check(selector) {
    const before = Number(await page.getAttribute('main', 'data-renders'));
    await page.locator(selector).first().click();
    await until(`the view after ticking ${selector}`, async () => (await page.getAttribute('main', 'aria-busy')) === 'false' && Number(await page.getAttribute('main', 'data-renders')) > before && (await page.locator(selector).first().isChecked()));
  },
  async wait(ms) {
    await page.waitForTimeout(ms);
  },
  async screenshot({ name, copy }) {
    await page.waitForTimeout(150); // let the last transition settle
    const path = join(shots, name + '.png');
    await page.screenshot({ path });
    if (copy) {
      mkdirSync(dirname(copy), { recursive: true });
      copyFileSync(path, copy);
    }
    return path;
  },
};

let failed = null;
try {
  for (const step of plan.steps) {
    stepNo += 1;
    const [name, arg] = Object.entries(step)[0];
    if (!steps[name]) throw new Error(`unknown step ${name}`);
    const said = await steps[name](arg);
    log(`ok ${stepNo} ${name} ${JSON.stringify(arg) || ''}${said ? ' -> ' + said : ''}`);
  }
  if (pageErrors.length) throw new Error('errors in the page: ' + pageErrors.join(' | '));
  if (foreign.length) throw new Error('the page asked other hosts: ' + foreign.join(' '));
} catch (err) {
  failed = err;
  const path = join(shots, `failed-step-${stepNo}.png`);
  await page.screenshot({ path }).catch(() => {});
  console.error(`step ${stepNo} ${JSON.stringify(plan.steps[stepNo - 1] || {})} failed: ${err.message}`);
  console.error(`screenshot: ${path}`);
  if (pageErrors.length) console.error('page errors: ' + pageErrors.join(' | '));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
