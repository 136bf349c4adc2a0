// A ministry analyst opens the national dashboard, sees the province map
// drawn from the API, clicks East Kalimantan, sees its regencies ranked,
// and exports the dashboard as XLSX and PDF; the page passes axe-core and
// keeps its numbers as tables.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { startServer, browser, login, shot } from "./support.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// Samarinda (64.72) and Balikpapan (64.71) in East Kalimantan, one IKM in
// Aceh (11.71) so the map has more than one province.
const IKM = [
  ["6472400000001", "64.72", "10391", 12, 30000],
  ["6472400000002", "64.72", "10794", 25, 0],
  ["6471400000001", "64.71", "10794", 8, 5000],
  ["1171400000001", "11.71", "13134", 6, 0],
];

let srv, b;
before(async () => {
  srv = await startServer();
  srv.run(["user", "add", "analis", "--role", "ministry"]);
  b = await browser();
  for (const [nib, regency, kbli, workers, exportUsd] of IKM) {
    const r = await srv.api("POST", "/api/v1/enterprises", {
      nib, name: `Usaha ${nib}`, owner_name: "Uji", regency_code: regency, kbli: [kbli], products: ["produk"],
      figures: { year: 2024, workers, investment_idr: 100000000, production_idr: 250000000, export_usd: exportUsd },
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
});
after(async () => {
  await b?.close();
  srv?.stop();
});

async function axe(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  });
}

test("an analyst goes from the national map to a province's regencies and exports the report", async () => {
  const page = await b.newPage({ locale: "id-ID", viewport: { width: 1200, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await login(page, srv.base, "analis");
  await page.goto(`${srv.base}/insight`);
  await assert.doesNotReject(page.locator("#insight-map.chart-on svg path").first().waitFor({ timeout: 15000 }), "the map is drawn");
  assert.match(await page.locator("h1").innerText(), /Dasbor IKM · Nasional · 2024/);
  const table = await page.locator("#h-children + table, #h-children ~ table").first().innerText();
  assert.match(table, /Kalimantan Timur/);
  assert.match(table, /Aceh/);
  await page.locator("#insight-trend.chart-on svg").waitFor();
  await shot(page, "dashboard-1-national-map");
  assert.deepEqual(await axe(page), [], "national dashboard");

  // Clicking East Kalimantan on the map drills down to the province.
  await page.locator("#insight-map").scrollIntoViewIfNeeded();
  const chart = await page.evaluate(() => {
    const el = document.getElementById("insight-map");
    const c = window.echarts.getInstanceByDom(el);
    // Inland East Kalimantan (116.5° E, 0.5° N), through the map's own projection.
    const [x, y] = c.convertToPixel({ seriesIndex: 0 }, [116.5, 0.5]);
    const box = el.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y };
  });
  await page.mouse.move(chart.x, chart.y);
  await page.mouse.click(chart.x, chart.y);
  await page.waitForURL(/region=64/);
  assert.match(await page.locator("h1").innerText(), /Kalimantan Timur/);
  await page.locator("#insight-ranking.chart-on svg").waitFor({ timeout: 15000 });
  const ranked = await page.locator("#h-children ~ table tbody tr").allInnerTexts();
  assert.equal(ranked.length, 2);
  assert.match(ranked[0], /Kota Samarinda/, "Samarinda has the most IKM");
  await shot(page, "dashboard-2-province-regencies");
  assert.deepEqual(await axe(page), [], "province dashboard");

  for (const [name, type, magic] of [["Unduh XLSX", /spreadsheetml/, "PK"], ["Unduh PDF", /application\/pdf/, "%PDF"]]) {
    const href = await page.getByRole("link", { name }).getAttribute("href");
    const res = await page.request.get(srv.base + href);
    assert.equal(res.status(), 200, name);
    assert.match(res.headers()["content-type"], type);
    assert.equal((await res.body()).subarray(0, magic.length).toString(), magic);
  }

  // The regency drills down to the enterprise list.
  await page.getByRole("link", { name: "Kota Samarinda" }).first().click();
  await page.waitForURL(/region=64\.72/);
  await page.getByRole("link", { name: "Daftar IKM di wilayah ini" }).click();
  await page.waitForURL(/\/enterprises\?/);
  assert.match(await page.content(), /Usaha 6472400000001/);
  assert.deepEqual(errors, [], "no script errors");
  await page.close();
});

test("without script the dashboard is a page of tables, and a year without data says so", async () => {
  const ctx = await b.newContext({ locale: "id-ID", javaScriptEnabled: false });
  const page = await ctx.newPage();
  await login(page, srv.base, "analis");
  await page.goto(`${srv.base}/insight`);
  assert.equal(await page.locator("#insight-map").isVisible(), false, "no empty map without script");
  assert.match(await page.content(), /Kalimantan Timur/);
  const res = await page.goto(`${srv.base}/insight?year=1990`);
  assert.equal(res.status(), 422);
  assert.match(await page.content(), /tidak ada data untuk tahun 1990/);
  await ctx.close();
});
