// Visits one page in headless Chromium, the way a person would, for the browser tests (Infrastructure/Browser.cs):
//
//   node visit.mjs <url> --screenshot <file.png> [--phone | --width N --height N]
//                  [--click <selector>]... [--select <selector>=<value>]... [--count <selector>]... [--timeout <ms>]
//
// It prints one JSON object on stdout: {url, status, title, text, html, counts, consoleErrors}. On failure it prints
// the reason on stderr and exits 1. Debian's chromium is used, not a Playwright browser build, because a browser
// download at install time is not possible on every machine that runs the tests (scripts/setup.sh installs chromium).
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const usage = 'usage: node visit.mjs <url> --screenshot <file.png> [--phone | --width N --height N] [--click <selector>]... [--select <selector>=<value>]... [--count <selector>]... [--timeout <ms>]';
let browser;
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      screenshot: { type: 'string' },
      phone: { type: 'boolean', default: false },
      width: { type: 'string' },
      height: { type: 'string' },
      click: { type: 'string', multiple: true, default: [] },
      select: { type: 'string', multiple: true, default: [] },
      count: { type: 'string', multiple: true, default: [] },
      timeout: { type: 'string', default: '30000' },
    },
  });
} catch (error) {
  fail(`${error.message}\n${usage}`);
}
const { values: options, positionals } = parsed;
const [url] = positionals;
if (!url || positionals.length > 1 || !options.screenshot) {
  fail(usage);
}
const timeout = Number(options.timeout);

// A phone is a narrow touch screen: media queries and touch handlers see what they would on a real one.
const context = options.phone
  ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
  : { viewport: { width: Number(options.width ?? 1280), height: Number(options.height ?? 800) } };

try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    // Tests run as root in containers, where Chromium's sandbox cannot start and /dev/shm is small.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    timeout,
  });
  const page = await (await browser.newContext(context)).newPage();
  page.setDefaultTimeout(timeout);

  const consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const source = message.location().url;
    // Chromium asks for /favicon.ico by itself when a page names no icon; that 404 is not the page's error.
    if (source && new URL(source).pathname === '/favicon.ico') return;
    consoleErrors.push(source ? `${message.text()} (${source})` : message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));

  // Playwright's own "networkidle" covers only the first load; requests a click starts (fetch, a new page) are counted
  // here, so a test sees what the page shows once they have settled.
  let inFlight = 0;
  let lastChange = Date.now();
  const track = (delta) => () => { inFlight += delta; lastChange = Date.now(); };
  page.on('request', track(+1));
  page.on('requestfinished', track(-1));
  page.on('requestfailed', track(-1));
  const settle = async () => {
    const deadline = Date.now() + timeout;
    while (inFlight > 0 || Date.now() - lastChange < 500) {
      if (Date.now() > deadline) throw new Error(`the page still had ${inFlight} request(s) in flight after ${timeout} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await page.waitForLoadState('load');
  };

  const response = await page.goto(url, { waitUntil: 'networkidle' });
  await settle();
  for (const selector of options.click) {
    await page.click(selector);
    await settle();
  }
  // Chooses an option the way a person does (change events fire); the selector ends at the last '='.
  for (const choice of options.select) {
    const at = choice.lastIndexOf('=');
    await page.selectOption(choice.slice(0, at), choice.slice(at + 1));
    await settle();
  }

  const counts = {};
  for (const selector of options.count) {
    counts[selector] = await page.locator(selector).count();
  }
  const result = {
    url: page.url(),
    status: response?.status() ?? 0,
    title: await page.title(),
    text: await page.evaluate(() => document.body?.innerText ?? ''),
    html: await page.content(),
    counts,
    consoleErrors,
  };
  await page.screenshot({ path: options.screenshot, fullPage: true });
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (error) {
  fail(`visiting ${url} failed: ${error?.stack ?? error}`);
} finally {
  await browser?.close();
}

function fail(message) {
  process.stderr.write(`visit.mjs: ${message}\n`);
  process.exitCode = 1;
  if (!browser) process.exit(1);
}
