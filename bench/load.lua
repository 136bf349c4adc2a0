-- Mixed load for bench/load.sh (wrk). The scenario and what it needs come
-- from the environment: SCENARIO (verify | registry | dashboard | mixed |
-- login), TOKEN (API bearer token), NUMBER (a certificate number),
-- DASHBOARD (a GET path, empty when the server has none), PASSWORD.
local scenario = os.getenv("SCENARIO") or "mixed"
local token = os.getenv("TOKEN") or ""
local number = os.getenv("NUMBER") or ""
local dashboard = os.getenv("DASHBOARD") or ""
local password = os.getenv("PASSWORD") or ""

local bearer = { ["Authorization"] = "Bearer " .. token }
local lists = {
  "/api/v1/enterprises?limit=50",
  "/api/v1/enterprises?province=64&limit=50",
  "/api/v1/enterprises?q=kopi&limit=20",
  "/api/v1/enterprises?size_class=kecil&limit=50",
}

local function verify()
  return wrk.format("GET", "/api/v1/verify/" .. number)
end

local function registry()
  return wrk.format("GET", lists[math.random(#lists)], bearer)
end

local function board()
  return wrk.format("GET", dashboard, bearer)
end

local function login()
  -- The pre-session CSRF token is a double submit: cookie and field match.
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "nk_csrf=bench-csrf-token",
  }
  return wrk.format("POST", "/login", headers, "_csrf=bench-csrf-token&username=admin&password=" .. password)
end

request = function()
  if scenario == "verify" then return verify() end
  if scenario == "registry" then return registry() end
  if scenario == "dashboard" then return board() end
  if scenario == "login" then return login() end
  -- mixed: half public checks, the rest lists and dashboards.
  local r = math.random(100)
  if r <= 50 then return verify() end
  if r <= 80 or dashboard == "" then return registry() end
  return board()
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.status + e.connect + e.read + e.write + e.timeout
  io.write(string.format("RESULT %d %.1f %.2f %.2f %d\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors))
end
