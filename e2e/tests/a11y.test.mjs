// Accessibility: axe-core in the browser on the main pages, no serious or
// critical violations; forms are labelled; the keyboard reaches the content.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { startServer, browser, login, shot } from "./support.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let srv, b;
before(async () => {
  srv = await startServer();
  b = await browser();
  const r = await srv.api("POST", "/api/v1/enterprises", {
    nib: "6472000000001", name: "Tempe Bu Sri", owner_name: "Sri", regency_code: "64.72", kbli: ["10391"], products: ["tempe"],
    figures: { year: 2024, workers: 5, investment_idr: 50000000, production_idr: 120000000, export_usd: 0 },
  });
  assert.equal(r.status, 201);
});
after(async () => {
  await b?.close();
  srv?.stop();
});

async function axe(page) {
  // Injected through the DevTools protocol, not a <script> tag, so the
  // page's Content-Security-Policy stays as strict as in production.
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  });
}

test("main pages have no serious or critical axe violations", async () => {
  const page = await b.newPage({ locale: "id-ID" });
  const pages = [["/", "a11y-home"], ["/login", "a11y-login"]];
  for (const [path, name] of pages) {
    await page.goto(srv.base + path);
    assert.deepEqual(await axe(page), [], `${path}`);
    await shot(page, name);
  }
  await login(page, srv.base, "petugas.samarinda");
  for (const [path, name] of [["/enterprises", "a11y-list"], ["/enterprises/6472000000001", "a11y-enterprise"], ["/enterprises/new", "a11y-form"], ["/imports/new", "a11y-import"]]) {
    await page.goto(srv.base + path);
    assert.deepEqual(await axe(page), [], `${path}`);
    await shot(page, name);
  }
  await page.close();
});

test("the keyboard reaches the main content and the search", async () => {
  const page = await b.newPage({ locale: "id-ID" });
  await login(page, srv.base, "petugas.samarinda");
  await page.goto(`${srv.base}/enterprises`);
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
  assert.equal(first, "Langsung ke isi", "the first Tab stop is the skip link");
  // The skip link takes a keyboard user past the navigation, as it would
  // take a person who does not want to tab through every menu entry.
  await page.keyboard.press("Enter");
  let reached = false;
  for (let i = 0; i < 15 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.id === "q");
  }
  assert.ok(reached, "the search field is reachable by keyboard");
  await page.keyboard.type("tempe");
  await page.keyboard.press("Enter");
  await page.waitForURL(/q=tempe/);
  assert.match(await page.content(), /Tempe Bu Sri/);
  await page.close();
});
