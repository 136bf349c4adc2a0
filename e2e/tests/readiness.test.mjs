// An IKM owner asks "which standard applies to me?", answers a readiness
// self-assessment, and gets the ranked gaps, the action plan and the PDF.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, browser, login, shot } from "./support.mjs";

const NIB = "6472000000777";
let srv, b;
before(async () => {
  srv = await startServer();
  b = await browser();
  const r = await srv.api("POST", "/api/v1/enterprises", {
    nib: NIB, name: "Konveksi Bayi Mahakam", owner_name: "Rina", regency_code: "64.72", kbli: ["14111"], products: ["pakaian bayi"],
    figures: { year: 2024, workers: 7, investment_idr: 90000000, production_idr: 400000000, export_usd: 0 },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  srv.addOwner(NIB);
});
after(async () => {
  await b?.close();
  srv?.stop();
});

test("an owner runs a self-assessment and gets the gap list and the PDF report", async () => {
  const page = await b.newPage({ locale: "id-ID", viewport: { width: 1100, height: 900 } });
  await login(page, srv.base, "pemilik");
  await page.goto(`${srv.base}/enterprises/${NIB}/readiness`);
  await shot(page, "readiness-1-standards");
  const baby = page.locator("li", { hasText: "SNI 7617" }).first();
  await baby.getByRole("button", { name: /Mulai penilaian|Lanjutkan/ }).click();
  await page.waitForURL(/\/assessments\/\d+/);
  const items = page.locator("fieldset.item");
  const n = await items.count();
  assert.ok(n >= 10, `the checklist has items (${n})`);
  for (let i = 0; i < n; i++) {
    const value = i === 0 ? "tidak" : i === 1 ? "sebagian" : "ya";
    await items.nth(i).locator(`input[type=radio][value="${value}"]`).check();
  }
  await page.getByRole("button", { name: "Simpan jawaban" }).click();
  await page.waitForLoadState();
  await shot(page, "readiness-2-saved");
  await page.getByRole("button", { name: "Selesaikan penilaian" }).click();
  await page.waitForLoadState();
  const html = await page.content();
  assert.match(html, /Kesenjangan/, "ranked gaps are shown");
  await shot(page, "readiness-3-gaps-and-plan");
  const pdfLink = page.getByRole("link", { name: /laporan kesenjangan \(PDF\)/ });
  const href = await pdfLink.getAttribute("href");
  const res = await page.request.get(srv.base + href);
  assert.equal(res.status(), 200);
  assert.match(res.headers()["content-type"], /application\/pdf/);
  const body = await res.body();
  assert.equal(body.subarray(0, 5).toString(), "%PDF-");
  await page.close();
});
