// A district officer imports the office's Excel list: good rows are kept,
// bad rows come back with their spreadsheet row number and reason, and the
// downloaded error file is itself an Excel file that can be fixed and
// imported again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, browser, login, shot } from "./support.mjs";
import { writeXlsx } from "./xlsx.mjs";

let srv, b, dir;
before(async () => {
  srv = await startServer();
  b = await browser();
  dir = mkdtempSync(join(tmpdir(), "naikkelas-e2e-import-"));
});
after(async () => {
  await b?.close();
  srv?.stop();
});

const HEADER = [
  "NIB", "Nama Usaha", "Nama Pemilik", "Alamat", "Kode Wilayah", "KBLI", "Produk",
  "Tahun Berdiri", "Tahun Data", "Tenaga Kerja", "Nilai Investasi", "Nilai Produksi", "Nilai Ekspor",
];

const rows = [
  HEADER,
  // Row 2: good, numbers as numeric cells.
  ["6472000000201", "Amplang Bu Ida", "Ida Rahayu", "Jl. Pangeran Antasari 4", "64.72", "10794", "amplang", 2015, 2024, 6, 75000000, 250000000, 0],
  // Row 3: the NIB is one digit short.
  ["647200000020", "Kerupuk Sungai Mahakam", "Hasan", "Jl. Slamet Riyadi 2", "64.72", "10794", "kerupuk", 2018, 2024, 4, 40000000, 120000000, 0],
  // Row 4: good, money written the Indonesian way as text.
  ["6472000000203", "Tenun Sarung Samarinda Indah", "Siti Aminah", "Jl. Bung Tomo 9", "64.72", "13121", "sarung tenun", 2009, 2024, 12, "Rp 350.000.000", "Rp1.200.000.000", "2.500"],
  // Row 5: Balikpapan lies outside this officer's region.
  ["6471000000204", "Kopi Balikpapan", "Rudi", "Jl. Sudirman 1", "64.71", "10761", "kopi bubuk", 2020, 2024, 3, 20000000, 90000000, 0],
  // Row 6: a KBLI code that does not exist.
  ["6472000000205", "Roti Pasar Pagi", "Maria", "Jl. Juanda 3", "64.72", "99999", "roti", 2021, 2024, 5, 30000000, 80000000, 0],
  // Row 7: good.
  ["6472000000206", "Abon Ikan Haruan", "Yusuf", "Jl. Cendana 7", "64.72", "10213", "abon ikan", 2016, 2024, 8, 60000000, 300000000, 0],
];

async function upload(page, file) {
  await page.goto(`${srv.base}/enterprises`);
  await page.getByRole("link", { name: "Impor Excel/CSV" }).first().click();
  await page.getByLabel("Berkas CSV atau XLSX").setInputFiles(file);
  await page.getByRole("button", { name: "Mulai impor" }).click();
  await page.waitForURL(/\/imports\/[^/]+$/);
  // The page refreshes itself while the job runs; wait for the summary.
  await page.getByText("Selesai.").waitFor({ timeout: 30_000 });
}

const summary = async (page, label) =>
  (await page.locator("dl.props dt", { hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]").textContent()).trim();

test("an officer imports an Excel file with bad rows and downloads the error file", async () => {
  const file = join(dir, "ikm-samarinda-2024.xlsx");
  writeXlsx(file, rows);
  const page = await b.newPage({ locale: "id-ID", viewport: { width: 1100, height: 900 }, acceptDownloads: true });
  await login(page, srv.base, "petugas.samarinda");
  await page.waitForURL(/\/enterprises/);

  await upload(page, file);
  await shot(page, "import-1-summary");
  assert.equal(await summary(page, "Baris dibaca"), "6");
  assert.equal(await summary(page, "Baru"), "3");
  assert.equal(await summary(page, "Ditolak"), "3");

  const rejected = page.locator("table tbody tr");
  assert.equal(await rejected.count(), 3);
  const lines = await rejected.allTextContents();
  assert.match(lines[0], /^3\s*nib/, "the short NIB is reported on spreadsheet row 3");
  assert.match(lines[1], /^5\s*kode_wilayah/, "the out-of-region row is reported on row 5");
  assert.match(lines[2], /^6\s*kbli/, "the unknown KBLI is reported on row 6");

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Unduh baris yang ditolak" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.xlsx$/, "the error file keeps the input's format");
  const errorsFile = join(dir, download.suggestedFilename());
  await download.saveAs(errorsFile);
  assert.equal(readFileSync(errorsFile).subarray(0, 2).toString(), "PK", "an XLSX (zip) file");

  // The good rows are in the registry and can be found.
  await page.goto(`${srv.base}/enterprises?q=haruan`);
  assert.match(await page.locator("main").textContent(), /Abon Ikan Haruan/);
  await shot(page, "import-2-found");

  // The error file, imported unchanged, is rejected again row for row and
  // changes nothing: the officer fixes it and imports it alone.
  await upload(page, errorsFile);
  assert.equal(await summary(page, "Baru"), "0");
  assert.equal(await summary(page, "Ditolak"), "3");
  await shot(page, "import-3-errors-file-reimported");

  // Importing the first file again changes nothing.
  await upload(page, file);
  assert.equal(await summary(page, "Baru"), "0");
  assert.equal(await summary(page, "Diperbarui"), "0");
  assert.equal(await summary(page, "Tidak berubah"), "3");
  await page.close();
});
