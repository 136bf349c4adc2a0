// Journeys of the registry, as a district officer takes them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, browser, login, shot } from "./support.mjs";

let srv, b;
before(async () => {
  srv = await startServer();
  b = await browser();
  const r = await srv.api("POST", "/api/v1/enterprises", {
    nib: "6471000000001", name: "Kerupuk Balikpapan Jaya", owner_name: "Rahmat", regency_code: "64.71", kbli: ["10794"], products: ["kerupuk"],
  });
  assert.equal(r.status, 201);
});
after(async () => {
  await b?.close();
  srv?.stop();
});

test("an officer registers an IKM, fixes a field error, and finds it by search", async () => {
  const page = await b.newPage({ locale: "id-ID", viewport: { width: 1100, height: 900 } });
  await login(page, srv.base, "petugas.samarinda");
  await page.waitForURL(/\/enterprises/);
  await shot(page, "registry-1-list-empty");
  await page.getByRole("link", { name: "Daftarkan IKM" }).first().click();
  await page.getByLabel(/^NIB/).fill("647200000012"); // one digit short
  await page.getByLabel(/^Nama usaha/).fill("Amplang Ikan Pipih Bu Ani");
  await page.getByLabel(/^Nama pemilik/).fill("Ani Suryani");
  await page.getByLabel(/^Kabupaten\/kota/).selectOption("64.72");
  await page.getByLabel(/^KBLI/).fill("10794");
  await page.getByLabel(/^Produk/).fill("amplang, kerupuk ikan");
  await page.getByLabel(/^Tenaga kerja/).fill("6");
  await page.getByLabel(/^Nilai investasi/).fill("Rp 75.000.000");
  await page.getByRole("button", { name: "Simpan" }).click();
  const err = page.locator("#f-nib-err");
  await assert.doesNotReject(err.waitFor());
  assert.match(await err.textContent(), /13 digit/);
  assert.equal(await page.getByLabel(/^Nama usaha/).inputValue(), "Amplang Ikan Pipih Bu Ani", "typed values are kept");
  await shot(page, "registry-2-field-error");
  await page.getByLabel(/^NIB/).fill("6472000000123");
  await page.getByRole("button", { name: "Simpan" }).click();
  await page.waitForURL(/\/enterprises\/6472000000123/);
  assert.match(await page.locator("h1").textContent(), /Amplang Ikan Pipih Bu Ani/);
  assert.match(await page.content(), /Rp 75\.000\.000/);
  await shot(page, "registry-3-enterprise");
  await page.goto(`${srv.base}/enterprises`);
  await page.getByLabel(/Cari nama, NIB atau produk/).fill("PIPIH");
  await page.getByRole("button", { name: "Cari" }).click();
  await assert.doesNotReject(page.getByRole("link", { name: "Amplang Ikan Pipih Bu Ani" }).waitFor());
  assert.doesNotMatch(await page.content(), /Kerupuk Balikpapan/);
  await shot(page, "registry-4-search");
  await page.close();
});

test("an officer of one regency is refused another regency's enterprise", async () => {
  const page = await b.newPage({ locale: "id-ID" });
  await login(page, srv.base, "petugas.samarinda");
  const res = await page.goto(`${srv.base}/enterprises/6471000000001`);
  assert.equal(res.status(), 404);
  const html = await page.content();
  assert.doesNotMatch(html, /Kerupuk Balikpapan Jaya/);
  assert.doesNotMatch(html, /Rahmat/);
  assert.match(html, /Kembali ke data IKM/, "the error page offers a way back");
  await shot(page, "scope-refused");
  const api = await page.goto(`${srv.base}/api/v1/enterprises/6471000000001`);
  assert.equal(api.status(), 404);
  await page.close();
});

test("the registry works on a 360 px phone without JavaScript", async () => {
  const ctx = await b.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 }, locale: "id-ID" });
  const page = await ctx.newPage();
  await login(page, srv.base, "petugas.balikpapan");
  await page.waitForURL(/\/enterprises/);
  await assert.doesNotReject(page.getByRole("link", { name: "Kerupuk Balikpapan Jaya" }).waitFor());
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth).catch(() => 0);
  assert.ok(overflow <= 1, `no horizontal page overflow at 360 px (got ${overflow}px)`);
  await shot(page, "phone-list");
  await ctx.close();
});
