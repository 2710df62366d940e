-- wrk: POST a chat completion. BODY and extra headers come from the environment.
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
local provider = os.getenv("PORTKEY_PROVIDER")
if provider and provider ~= "" then
  wrk.headers["x-portkey-provider"] = provider
  wrk.headers["x-portkey-custom-host"] = os.getenv("PORTKEY_HOST")
end

-- AUTHS: several "Bearer sk-..." values separated by commas, used in turn (many users at once).
local auths = {}
for a in string.gmatch(os.getenv("AUTHS") or "", "[^,]+") do auths[#auths + 1] = a end
if #auths > 0 then
  local requests, i = {}, 0
  init = function()  -- formatted once: the per-request cost stays that of a constant request
    for n, a in ipairs(auths) do
      wrk.headers["Authorization"] = a
      requests[n] = wrk.format()
    end
  end
  request = function()
    i = i % #requests + 1
    return requests[i]
  end
end
