// The weight of the main pages as a slow connection receives them: bytes
// transferred (compressed, as served) for the HTML and every CSS, JS,
// image and data request the page makes, on a cold cache.
//
//   NAIKKELAS_BIN=…/naikkelas node page-weight.mjs
//
// Starts `naikkelas demo` on a fresh database, logs in as the ministry
// analyst (who sees every page), and prints one line per page, heaviest last.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BIN = process.env.NAIKKELAS_BIN || join(process.env.HOME, ".cache/naikkelas/target/release/naikkelas");
const db = join(mkdtempSync(join(tmpdir(), "naikkelas-weight-")), "demo.db");
execFileSync(BIN, ["--db", `sqlite://${db}`, "demo", "--no-serve", "--enterprises", "5000"], { stdio: "ignore" });
const port = 30000 + Math.floor(Math.random() * 20000);
const server = spawn(BIN, ["--db", `sqlite://${db}`, "serve", "--addr", `127.0.0.1:${port}`], { stdio: "ignore" });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 100));
}

const PAGES = ["/", "/enterprises", "/insight", "/open-data", "/analysis/leading-sectors?region=64.72", "/programs", "/certifications/pipeline", "/standards", "/direktori", "/sourcing"];
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const ctx = await browser.newContext({ locale: "id-ID" });
  const page = await ctx.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel(/Nama pengguna/).fill("kemenperin");
  await page.getByLabel(/Kata sandi/).fill("kemenperin-demo-2026");
  await page.getByRole("button", { name: /Masuk/ }).click();
  await page.waitForLoadState("networkidle");
  const rows = [];
  for (const path of PAGES) {
    const p = await ctx.newPage();
    const cdp = await ctx.newCDPSession(p);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    let bytes = 0;
    let requests = 0;
    cdp.on("Network.loadingFinished", (e) => {
      bytes += e.encodedDataLength;
      requests += 1;
    });
    const res = await p.goto(base + path, { waitUntil: "networkidle" });
    rows.push({ path, status: res.status(), requests, kb: bytes / 1024 });
    await p.close();
  }
  rows.sort((a, b) => a.kb - b.kb);
  for (const r of rows) console.log(`${r.kb.toFixed(1).padStart(8)} KB  ${String(r.requests).padStart(3)} requests  ${r.status}  ${r.path}`);
} finally {
  await browser.close();
  server.kill("SIGTERM");
}
