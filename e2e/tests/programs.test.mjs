// The ministry sets up a machine-restructuring programme with an allocation,
// the owner applies, one officer verifies, a second one (not the verifier)
// approves, the ministry records a disbursement, and the absorption shows —
// all with forms, no script needed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, browser, login, shot } from "./support.mjs";

const NIB = "6472000000777";
// Applications are taken only within the programme's period: run it this year.
const YEAR = new Date().getUTCFullYear();
let srv, b;
before(async () => {
  srv = await startServer();
  b = await browser();
  const r = await srv.api("POST", "/api/v1/enterprises", {
    nib: NIB, name: "Bengkel Las Mahakam", owner_name: "Rusdi", regency_code: "64.72", kbli: ["25111"], products: ["teralis besi"],
    figures: { year: 2024, workers: 9, investment_idr: 250000000, production_idr: 700000000, export_usd: 0 },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  srv.addOwner(NIB);
  srv.run(["user", "add", "kemenperin", "--role", "ministry"]);
  srv.run(["user", "add", "verifikator.samarinda", "--role", "officer", "--region", "64.72"]);
});
after(async () => {
  await b?.close();
  srv?.stop();
});

async function submit(page, action) {
  await page.locator(`form[method=post][action$='${action}'] button[type=submit]`).click();
  await page.waitForLoadState();
}

test("programme set-up, application, maker-checker approval, disbursement and absorption", async () => {
  const ministry = await b.newContext({ locale: "id-ID" });
  let page = await ministry.newPage();
  await login(page, srv.base, "kemenperin");
  await page.goto(`${srv.base}/programs`);
  await page.locator("#f-year").fill(String(YEAR));
  await page.locator("#f-kind").selectOption("restrukturisasi_mesin");
  await page.locator("#f-name").fill(`Restrukturisasi Mesin ${YEAR}`);
  await page.locator("#f-owner_unit").fill("Direktorat IKM Logam");
  await page.locator("#f-budget").fill("Rp 2.000.000.000");
  await page.locator("#f-starts_on").fill(`${YEAR}-01-01`);
  await page.locator("#f-ends_on").fill(`${YEAR}-12-31`);
  await page.locator("#f-size_classes").fill("kecil, menengah");
  await page.locator("#f-domestic_rate").fill("40");
  await page.locator("#f-imported_rate").fill("20");
  await page.locator("#f-benefit_min").fill("5.000.000");
  await page.locator("#f-benefit_max").fill("300.000.000");
  await submit(page, "/programs");
  await page.waitForURL(/\/programs\/\d+$/);
  const programUrl = page.url();
  await page.locator("#f-region").fill("64.72");
  await page.locator("#f-amount").fill("500.000.000");
  await submit(page, "/allocations");
  assert.match(await page.content(), /Rp 500\.000\.000/);
  await shot(page, "prog-1-set-up");

  // The owner applies for a Rp150 jt domestic machine: 40 % = Rp60 jt.
  const owner = await b.newContext({ locale: "id-ID" });
  let op = await owner.newPage();
  await login(op, srv.base, "pemilik");
  await op.goto(programUrl);
  assert.equal(await op.locator("#f-nib").inputValue(), NIB, "the owner's NIB is filled in");
  await op.locator("#f-machine_price").fill("150.000.000");
  await op.locator("#f-machine_origin").selectOption("domestic");
  await submit(op, "/enrolments");
  await op.waitForURL(/\/enrolments\/\d+$/);
  const enrolmentUrl = op.url();
  assert.match(await op.content(), /Rp 60\.000\.000/);
  await shot(op, "prog-2-applied");

  // One officer verifies and cannot approve their own verification.
  const officer = await b.newContext({ locale: "id-ID" });
  page = await officer.newPage();
  await login(page, srv.base, "petugas.samarinda");
  await page.goto(enrolmentUrl);
  await submit(page, "/verify");
  await submit(page, "/approve");
  assert.match(await page.content(), /enrolment\.maker_checker/);
  await shot(page, "prog-3-maker-checker");

  // A second officer approves.
  const checker = await b.newContext({ locale: "id-ID" });
  const cp = await checker.newPage();
  await login(cp, srv.base, "verifikator.samarinda");
  await cp.goto(enrolmentUrl);
  await submit(cp, "/approve");
  assert.match(await cp.locator(".status").textContent(), /disetujui/);

  // The ministry records a disbursement; more than approved is refused.
  page = await ministry.newPage();
  await page.goto(enrolmentUrl);
  await page.locator("#f-disburse-amount").fill("70.000.000");
  await submit(page, "/disburse");
  assert.match(await page.content(), /ledger\.above_approved/);
  await page.locator("#f-disburse-amount").fill("60.000.000");
  await page.locator("#f-disburse-note").fill("SP2D 0012/2025");
  await submit(page, "/disburse");
  assert.match(await page.locator("dd.disbursed").textContent(), /Rp 60\.000\.000/);
  await shot(page, "prog-4-disbursed");

  // Absorption: 60 of 2.000 jt = 3 %; Samarinda 60 of 500 jt = 12 %.
  await page.goto(programUrl);
  const table = await page.locator("table.absorption").textContent();
  assert.match(table, /3 %/);
  assert.match(table, /12 %/);
  await shot(page, "prog-5-absorption");

  // The owner sees the facilitation on the enterprise page.
  await op.goto(`${srv.base}/enterprises/${NIB}`);
  assert.match(await op.locator("#facilitation").textContent(), new RegExp(`Restrukturisasi Mesin ${YEAR}`));
  for (const c of [ministry, owner, officer, checker]) await c.close();
});
