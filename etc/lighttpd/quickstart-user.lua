-- charon-fcgi quickstart demo, lighttpd (mod_magnet, response start):
-- show the client who charon-fcgi says it is.  After an allow, charon-fcgi's
-- Variable-CHARON_USER_ID is the request's environment variable
-- CHARON_USER_ID; this copies it into the response header X-Charon-User,
-- as the nginx and Apache demos do.  For the demo only.
local user = lighty.r.req_env["CHARON_USER_ID"]
if user and user ~= "" then
  lighty.r.resp_header["X-Charon-User"] = user
end
return 0
