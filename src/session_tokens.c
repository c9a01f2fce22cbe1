/* session_tokens.c: placeholder, replaced in this session */
