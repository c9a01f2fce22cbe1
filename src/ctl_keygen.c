/* ctl_keygen */
