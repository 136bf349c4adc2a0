// Starts a real naikkelas server on a fresh SQLite database and a headless
// Debian Chromium driven by playwright-core.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = join(here, "..", "artifacts");
const BIN = process.env.NAIKKELAS_BIN || join(process.env.HOME, ".cache/naikkelas/target/debug/naikkelas");
export const PASSWORD = "rahasia-e2e-123";

function cli(db, args, env = {}) {
  return execFileSync(BIN, ["--db", `sqlite://${db}`, ...args], {
    env: { ...process.env, NAIKKELAS_PASSWORD: PASSWORD, ...env },
    encoding: "utf8",
  }).trim();
}

export async function startServer({ owner } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "naikkelas-e2e-"));
  const db = join(dir, "e2e.db");
  cli(db, ["migrate"]);
  cli(db, ["user", "add", "admin", "--role", "admin"]);
  cli(db, ["user", "add", "petugas.samarinda", "--role", "officer", "--region", "64.72"]);
  cli(db, ["user", "add", "petugas.balikpapan", "--role", "officer", "--region", "64.71"]);
  const token = cli(db, ["token", "create", "admin"]);
  // An owner account needs its enterprise first: created through the API below.
  const addOwner = (nib) => cli(db, ["user", "add", "pemilik", "--role", "owner", "--enterprise", nib]);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn(BIN, ["--db", `sqlite://${db}`, "serve", "--addr", `127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = async (method, path, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: await res.json().catch(() => null) };
  };
  const run = (args) => cli(db, args);
  return { base, api, addOwner, run, stop: () => proc.kill("SIGTERM"), log: () => log, db };
}

export async function browser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

export async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel(/Nama pengguna|Username/).fill(username);
  await page.getByLabel(/Kata sandi|Password/).fill(PASSWORD);
  await page.getByRole("button", { name: /Masuk|Log in/ }).click();
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
