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
