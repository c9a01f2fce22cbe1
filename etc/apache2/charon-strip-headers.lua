-- charon-strip-headers.lua - mod_lua, for etc/apache2/charon.conf
-- (LuaHookFixups): drops every request header the client sent whose name
-- starts with X-Charon- in any spelling: "-" or "_" (X_Charon_User_Id),
-- any case, every copy.  CGI, WSGI and Rack backends read "-" and "_"
-- alike, so such a header would land in the same variable as the
-- X-Charon-User-Id that RequestHeader sets (mod_proxy_http forwards
-- names with "_"; RequestHeader replaces only its own spelling).  Runs
-- before mod_headers' RequestHeader (its fixup hook is the last one).
require "apache2"

function charon_strip_headers(r)
    local names = {}
    for name in pairs(r:headers_in_table()) do
        if string.find(string.lower(name), "^x[-_]charon[-_]") then
            names[#names + 1] = name
        end
    end
    for _, name in ipairs(names) do
        r.headers_in[name] = nil
    end
    return apache2.DECLINED
end
