// A ministry analyst opens the leading sectors of Kota Samarinda against
// East Kalimantan: the plain-language summary, the table, the Klassen
// quadrants and the XLSX export; then the naik-kelas transition matrix with
// the enterprises that moved up.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, browser, login, shot } from "./support.mjs";

// The worked example of crates/core/src/insight (workers by KBLI division,
// 2022 → 2024) in Samarinda (A) and Balikpapan (B); one Samarinda enterprise
// also moves from kecil to menengah between 2023 and 2024.
const CELLS = [
  ["6472300000010", "64.72", "10391", 40, 60],
  ["6472300000013", "64.72", "13121", 10, 11],
  ["6472300000016", "64.72", "16221", 50, 48],
  ["6471300000010", "64.71", "10391", 60, 66],
  ["6471300000013", "64.71", "13121", 90, 108],
  ["6471300000016", "64.71", "16221", 50, 56],
];
const GROWER = "6472300000099";

let srv, b;
before(async () => {
  srv = await startServer();
  srv.run(["user", "add", "analis", "--role", "ministry"]);
  b = await browser();
  for (const [nib, regency, kbli, base, end] of CELLS) {
    const r = await srv.api("POST", "/api/v1/enterprises", {
      nib, name: `Usaha ${nib}`, owner_name: "Uji", regency_code: regency, kbli: [kbli], products: ["produk"],
      figures: { year: 2022, workers: base, investment_idr: 100000000, production_idr: 120000000, export_usd: 0 },
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const f = await srv.api("POST", `/api/v1/enterprises/${nib}/figures`, {
      year: 2024, workers: end, investment_idr: 100000000, production_idr: 120000000, export_usd: 0,
    });
    assert.ok(f.status < 300, JSON.stringify(f.json));
  }
  const g = await srv.api("POST", "/api/v1/enterprises", {
    nib: GROWER, name: "Amplang Naik Kelas", owner_name: "Uji", regency_code: "64.72", kbli: ["10794"], products: ["amplang"],
    figures: { year: 2023, workers: 5, investment_idr: 100000000, production_idr: 120000000, export_usd: 0 },
  });
  assert.equal(g.status, 201, JSON.stringify(g.json));
  const up = await srv.api("POST", `/api/v1/enterprises/${GROWER}/figures`, {
    year: 2024, workers: 25, investment_idr: 2000000000, production_idr: 900000000, export_usd: 0,
  });
  assert.ok(up.status < 300, JSON.stringify(up.json));
});
after(async () => {
  await b?.close();
  srv?.stop();
});

test("an analyst sees Samarinda's leading sectors with the summary, the quadrants and the export", async () => {
  const page = await b.newPage({ locale: "id-ID", viewport: { width: 1280, height: 1000 } });
  await login(page, srv.base, "analis");
  await page.getByRole("link", { name: "Sektor unggulan" }).click();
  await page.getByLabel("Wilayah").fill("64.72");
  await page.getByLabel("Tahun dasar").fill("2022");
  await page.getByLabel("Tahun akhir").fill("2024");
  await page.getByRole("button", { name: "Tampilkan" }).click();
  await page.waitForLoadState();
  const summary = await page.locator("#summary").textContent();
  // With the grower's 25 workers in 2024 (division 10, no 2022 figures):
  // LQ_10 = (85/144)/(151/374) = 1.462 → "1,46".
  assert.match(summary, /^Di Kota Samarinda, industri makanan adalah sektor basis \(LQ 1,46\) dan tumbuh lebih cepat dari provinsi\./);
  assert.equal(await page.locator("#sector-10 td.lq").textContent(), "1,46");
  const q1 = await page.locator("#quadrant-advanced_fast_growing").textContent();
  assert.match(q1, /10 Industri Makanan/);
  assert.ok(await page.locator("#klassen-chart circle").count() >= 3, "the quadrant chart has a point per division");
  await shot(page, "analysis-1-leading-sectors");
  const href = await page.getByRole("link", { name: "Unduh XLSX" }).getAttribute("href");
  const res = await page.request.get(srv.base + href);
  assert.equal(res.status(), 200);
  assert.equal((await res.body()).subarray(0, 2).toString(), "PK");
  // Bad input is a message, not an empty table.
  await page.getByLabel("Wilayah").fill("64.99");
  await page.getByRole("button", { name: "Tampilkan" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator("[role=alert]").textContent(), /64\.99 tidak terdaftar/);
  assert.equal(await page.locator("#sectors").count(), 0);
  await page.close();
});

test("the transitions page shows the matrix and who moved up", async () => {
  const page = await b.newPage({ locale: "id-ID", viewport: { width: 1100, height: 900 } });
  await login(page, srv.base, "petugas.samarinda");
  await page.goto(`${srv.base}/analysis/transitions`);
  assert.match(await page.locator("#transition-counts").textContent(), /Naik kelas: 1/);
  assert.match(await page.locator("#movers").textContent(), /Amplang Naik Kelas/);
  await shot(page, "analysis-2-transitions");
  await page.close();
});
