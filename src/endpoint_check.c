/* endpoint_check.c - the auth_request check endpoint. */
#include "endpoint_check.h"

#include "authorizer.h"
#include "token_check.h"
#include "worker.h"

void
endpoint_check(struct worker *w, const struct policy *p,
               const struct request *req)
{
    struct token_check tc;

    token_check_access(w, p, req, &tc);
    if (tc.status != 200) {
        authorizer_deny(&w->reply, &tc);
    } else {
        w->reply.status = 200;
        authorizer_allow_headers(&w->reply, p, &tc, 0);
        http_reply_header(&w->reply, "Cache-Control", "no-store");
    }
}
