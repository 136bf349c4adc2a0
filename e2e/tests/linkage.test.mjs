// A buyer posts a sourcing request, sees explained, verified matches and
// contacts a supplier; the owner accepts; only then the buyer sees the
// contact details. The directory of certified IKM works without login.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, browser, login, shot } from "./support.mjs";

const NIB = "6472000000777";
const STANDARD = "SNI 2983:2014";
let srv, b;

async function as(token, method, path, body) {
  const res = await fetch(srv.base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

before(async () => {
  srv = await startServer();
  b = await browser();
  let r = await srv.api("POST", "/api/v1/enterprises", {
    nib: NIB, name: "Kopi Bubuk Tenggarong", owner_name: "Sutarmi", regency_code: "64.72", kbli: ["10761"],
    products: ["kopi instan"], phone: "0812-7777-8888", email: "sutarmi@contoh.id",
    figures: { year: 2024, workers: 14, investment_idr: 350000000, production_idr: 900000000, export_usd: 0 },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  srv.addOwner(NIB);
  srv.run(["user", "add", "pembeli", "--role", "buyer"]);
  r = await srv.api("POST", "/api/v1/certification-bodies", {
    code: "LSPRO-LINK", name: "LSPro Uji", kind: "lspro", kan_number: "LSPr-098-IDN", scope: [STANDARD],
  });
  assert.ok(r.status < 300, JSON.stringify(r.json));
  srv.run(["user", "add", "auditor", "--role", "certifier", "--body", "LSPRO-LINK"]);
  const auditor = srv.run(["token", "create", "auditor"]);
  r = await srv.api("POST", "/api/v1/certifications", { nib: NIB, body: "LSPRO-LINK", standard: STANDARD, scope: "Kopi instan sachet" });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const id = r.json.id;
  for (const e of [{ event: "start_review" }, { event: "start_stage1" }, { event: "complete_stage1" }, { event: "record_test", passed: true }, { event: "complete_stage2" }, { event: "grant" }]) {
    r = await as(auditor, "POST", `/api/v1/certifications/${id}/events`, e);
    assert.equal(r.status, 200, `${e.event}: ${JSON.stringify(r.json)}`);
  }
});
after(async () => {
  await b?.close();
  srv?.stop();
});

test("buyer request, explained matches, contact accepted by the owner, public directory", async () => {
  const buyer = await b.newContext({ locale: "id-ID" });
  let page = await buyer.newPage();
  await login(page, srv.base, "pembeli");
  await page.goto(`${srv.base}/sourcing/profile`);
  await page.locator("#f-nama_perusahaan").fill("PT Minuman Nusantara");
  await page.locator("#f-industri").fill("industri minuman");
  await page.locator("#f-provinsi").selectOption("31");
  await page.locator("#f-nama_kontak").fill("Rina Wulandari");
  await page.locator("form[action='/sourcing/profile'] button[type=submit]").click();
  await page.waitForLoadState();
  assert.match(await page.content(), /Profil tersimpan/);

  await page.goto(`${srv.base}/sourcing`);
  const deadline = new Date(Date.now() + 60 * 86400e3).toISOString().slice(0, 10);
  await page.locator("#f-judul").fill("Kopi instan untuk jaringan minimarket");
  await page.locator("#f-kbli").fill("10761");
  await page.locator("#f-kata_kunci").fill("kopi instan");
  await page.locator("#f-standar").fill("SNI 9999:2099");
  await page.locator("#f-kapasitas_minimum").fill("500");
  await page.locator("#f-satuan_kapasitas").fill("kg");
  await page.locator("#f-wilayah").fill("64");
  await page.locator("#f-batas_waktu").fill(deadline);
  await page.locator("form[action='/sourcing'] button[type=submit]").click();
  await page.waitForLoadState();
  assert.match(await page.content(), /tidak ada dalam katalog/, "a standard outside the catalogue is refused with a reason");
  await page.locator("#f-standar").fill(STANDARD);
  await page.locator("form[action='/sourcing'] button[type=submit]").click();
  await page.waitForURL(/\/sourcing\/\d+$/);
  const requestUrl = page.url();
  let html = await page.content();
  assert.match(html, /Kopi Bubuk Tenggarong/);
  assert.match(html, /SPPT SNI 2983:2014 aktif sampai \d{4}-\d{2}-\d{2}/, "the match explains itself");
  assert.doesNotMatch(html, /Sutarmi|0812-7777|sutarmi@contoh/, "no contact details before acceptance");
  await shot(page, "linkage-1-matches");

  const match = page.locator("li.match", { hasText: "Kopi Bubuk Tenggarong" });
  await match.locator("textarea[name=message]").fill("Kami butuh 500 kg per bulan mulai Januari.");
  await match.getByRole("button", { name: /Hubungi/ }).click();
  await page.waitForURL(/\/sourcing\/\d+/);
  html = await page.content();
  assert.match(html, /menunggu jawaban/);
  assert.doesNotMatch(html, /Sutarmi/);

  const owner = await b.newContext({ locale: "id-ID" });
  const op = await owner.newPage();
  await login(op, srv.base, "pemilik");
  await op.goto(`${srv.base}/sourcing`);
  assert.match(await op.content(), /PT Minuman Nusantara/);
  await op.locator("table a").first().click();
  await op.waitForURL(/\/sourcing\/interests\/\d+$/);
  assert.match(await op.content(), /Kami butuh 500 kg per bulan/);
  await shot(op, "linkage-2-owner-inbox");
  await op.getByRole("button", { name: "Terima" }).click();
  await op.waitForLoadState();
  assert.match(await op.content(), /diterima/);
  await owner.close();

  await page.goto(requestUrl);
  html = await page.content();
  assert.match(html, /Sutarmi/, "contact details once accepted");
  assert.match(html, /sutarmi@contoh\.id/);
  await shot(page, "linkage-3-contact");
  await buyer.close();

  const pub = await b.newContext({ locale: "id-ID" });
  const pp = await pub.newPage();
  await pp.goto(`${srv.base}/direktori`);
  await pp.locator("#f-q").fill("kopi");
  await pp.getByRole("button", { name: "Cari" }).click();
  await pp.waitForLoadState();
  html = await pp.content();
  assert.match(html, /Kopi Bubuk Tenggarong/);
  assert.doesNotMatch(html, /Sutarmi|0812-7777|sutarmi@contoh|6472000000777/, "no personal data in the directory");
  await shot(pp, "linkage-4-directory");
  await pp.locator("a[href^='/v/']").first().click();
  await pp.waitForURL(/\/v\/.+/);
  assert.match(await pp.content(), /Aktif/);
  await pub.close();
});
