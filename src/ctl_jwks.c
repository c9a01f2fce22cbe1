/* ctl_jwks */
