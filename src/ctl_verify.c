/* ctl_verify */
