// A certifier takes an application to an issued certificate; the public
// verifies it by number and by the QR URL; a suspension shows at once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, browser, login, shot } from "./support.mjs";

const NIB = "6472000000888";
let srv, b;
before(async () => {
  srv = await startServer();
  b = await browser();
  const r = await srv.api("POST", "/api/v1/enterprises", {
    nib: NIB, name: "Kopi Bubuk Mahakam", owner_name: "Darto", regency_code: "64.72", kbli: ["10761"], products: ["kopi instan"],
    figures: { year: 2024, workers: 12, investment_idr: 300000000, production_idr: 900000000, export_usd: 0 },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const body = await srv.api("POST", "/api/v1/certification-bodies", {
    code: "LSPRO-E2E", name: "LSPro Uji", kind: "lspro", kan_number: "LSPr-099-IDN", scope: ["SNI 2983:2014"],
  });
  assert.ok(body.status < 300, JSON.stringify(body.json));
  srv.run(["user", "add", "auditor", "--role", "certifier", "--body", "LSPRO-E2E"]);
});
after(async () => {
  await b?.close();
  srv?.stop();
});

async function step(page, event) {
  const form = page.locator("form", { has: page.locator(`input[name=event][value="${event}"]`) });
  await form.getByRole("button").click();
  await page.waitForLoadState();
}

test("application to certificate, public check by number and QR, suspension seen at once", async () => {
  const officer = await b.newContext({ locale: "id-ID" });
  let page = await officer.newPage();
  await login(page, srv.base, "petugas.samarinda");
  await page.goto(`${srv.base}/certifications`);
  await page.locator("#f-nib").fill(NIB);
  await page.locator("#f-body").selectOption("LSPRO-E2E");
  await page.locator("#f-standard").selectOption("SNI 2983:2014");
  await page.locator("#f-scope").fill("Kopi instan sachet 20 g");
  await page.locator("form[action='/certifications'] button[type=submit]").click();
  await page.waitForURL(/\/certifications\/\d+$/);
  const url = page.url();
  await shot(page, "cert-1-applied");
  await officer.close();

  const certifier = await b.newContext({ locale: "id-ID" });
  page = await certifier.newPage();
  await login(page, srv.base, "auditor");
  await page.goto(url);
  for (const e of ["start_review", "start_stage1", "complete_stage1", "complete_stage2", "record_test", "grant"]) {
    await step(page, e);
  }
  await shot(page, "cert-2-granted");
  await page.goto(`${url}/certificate`);
  const qrUrl = await page.locator("figure.qr a").getAttribute("href");
  assert.match(qrUrl, /\/v\/[^?]+\?p=/, "the QR carries the verification URL and a signed payload");
  await shot(page, "cert-3-certificate");
  const number = decodeURIComponent(qrUrl.split("/v/")[1].split("?")[0]);

  const pub = await b.newContext({ locale: "id-ID" });
  const pp = await pub.newPage();
  await pp.goto(`${srv.base}/v`);
  await pp.locator("input").first().fill(number);
  await pp.keyboard.press("Enter");
  await pp.waitForURL(/\/v\/.+/);
  let html = await pp.content();
  assert.match(html, /Aktif/);
  assert.match(html, /Kopi Bubuk Mahakam/);
  assert.doesNotMatch(html, /Darto/, "no owner name on the public page");
  await shot(pp, "cert-4-public-active");
  await pp.goto(qrUrl);
  assert.match(await pp.content(), /Aktif/);
  await shot(pp, "cert-5-public-qr");

  await page.goto(url);
  const suspend = page.locator("form", { has: page.locator('input[name=event][value="suspend"]') });
  await suspend.locator("input[name=note]").fill("Hasil uji surveilans tidak memenuhi syarat");
  await suspend.getByRole("button").click();
  await page.waitForLoadState();
  await pp.goto(`${srv.base}/v/${encodeURIComponent(number)}`);
  html = await pp.content();
  assert.match(html, /Dibekukan/, "the public page shows the suspension at once");
  await shot(pp, "cert-6-public-suspended");
  await pub.close();
  await certifier.close();
});
