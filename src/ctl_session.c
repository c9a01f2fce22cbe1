/* ctl_session */
