-- charon-strip-headers.lua - mod_magnet, for etc/lighttpd/charon.conf
-- (magnet.attract-raw-url-to): drops every request header the client
-- sent whose name starts with X-Charon- in any spelling: "-" or "_"
-- (X_Charon_User_Id), any case, every copy.  lighttpd turns both "-" and
-- "_" into "_" in a CGI/FastCGI/SCGI backend's HTTP_* variables, and so
-- do WSGI and Rack, so such a header would reach the backend as
-- HTTP_X_CHARON_USER_ID.  Runs before the authorizer.
local names = {}
for name in pairs(lighty.r.req_header) do
  if string.find(string.lower(name), "^x[-_]charon[-_]") then
    names[#names + 1] = name
  end
end
for _, name in ipairs(names) do
  lighty.r.req_header[name] = nil
end
return 0
